/** Column alignment in {@link formatTable}. */
export type Align = "left" | "right";

/**
 * Lays out rows as a plain-text table: a header, a rule, and the rows, each
 * column as wide as its widest cell. Numbers are usually right-aligned.
 */
export function formatTable(
	headers: readonly string[],
	rows: readonly (readonly string[])[],
	align: readonly Align[] = [],
): string {
	const widths = headers.map((header, c) =>
		Math.max(header.length, ...rows.map((row) => (row[c] ?? "").length)),
	);
	const line = (cells: readonly string[]): string =>
		cells
			.map((cell, c) => {
				const width = widths[c] ?? 0;
				return align[c] === "right" ? cell.padStart(width) : cell.padEnd(width);
			})
			.join("  ")
			.trimEnd();
	const rule = widths.map((width) => "-".repeat(width)).join("  ");
	return [
		line(headers),
		rule,
		...rows.map((row) => line(headers.map((_, c) => row[c] ?? ""))),
	].join("\n");
}

/** Seconds with a precision that suits their size (`0.004`, `1.25`, `73.4`). */
export function formatSeconds(seconds: number): string {
	if (!Number.isFinite(seconds)) return "-";
	if (seconds === 0) return "0";
	if (seconds < 0.01) return seconds.toFixed(4);
	if (seconds < 10) return seconds.toFixed(2);
	return seconds.toFixed(1);
}

/** A count with thousands separators (`1,234,567`), independent of the locale. */
export function formatCount(value: number): string {
	const rounded = Math.round(value);
	return String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A metric value: whole numbers as counts, others with three significant decimals. */
export function formatMetric(value: number): string {
	return Number.isInteger(value) ? formatCount(value) : value.toFixed(3);
}

/** A rate per second (`12.3k/s`). */
export function formatRate(perSecond: number): string {
	if (!Number.isFinite(perSecond) || perSecond <= 0) return "0/s";
	if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M/s`;
	if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`;
	return `${perSecond.toFixed(perSecond < 10 ? 1 : 0)}/s`;
}
