/**
 * The items of `lists`, in order, in one array sized up front. On the
 * dispatch path this replaces `flat()` and `flatMap()`, which take several
 * times longer on batches of many small tasks.
 */
export function concatLists<T>(lists: readonly (readonly T[])[]): T[] {
	let count = 0;
	for (let i = 0; i < lists.length; i++) count += (lists[i] as readonly T[]).length;
	const items = new Array<T>(count);
	let at = 0;
	for (let i = 0; i < lists.length; i++) {
		const list = lists[i] as readonly T[];
		for (let j = 0; j < list.length; j++) items[at++] = list[j] as T;
	}
	return items;
}
