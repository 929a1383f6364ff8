/** Waits for `work`, or `ms` milliseconds at most (without keeping the process alive). */
export async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<void>((resolve) => {
		timer = setTimeout(resolve, ms);
		timer.unref();
	});
	await Promise.race([work, deadline]);
	clearTimeout(timer);
}
