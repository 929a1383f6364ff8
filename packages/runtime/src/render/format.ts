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

/** A duration for an ETA or an elapsed time: `45s`, `3:07`, `1:02:03`; `-` when unknown. */
export function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) return "-";
	const total = Math.round(seconds);
	if (total < 60) return `${total}s`;
	const s = String(total % 60).padStart(2, "0");
	const minutes = Math.floor(total / 60);
	if (minutes < 60) return `${minutes}:${s}`;
	return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${s}`;
}

/** A byte count in binary units (`512 B`, `64 MiB`, `1.5 GiB`). */
export function formatBytes(bytes: number): string {
	const units = ["B", "KiB", "MiB", "GiB", "TiB"];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit += 1;
	}
	const digits = unit === 0 || Number.isInteger(value) || value >= 100 ? 0 : 1;
	return `${value.toFixed(digits)} ${units[unit]}`;
}

/** `text` cut to `width` columns, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
	if (text.length <= width) return text;
	return width <= 1 ? text.slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}…`;
}

/**
 * Breaks `text` into lines of at most `width` columns at spaces (a word
 * longer than a line is cut), continuation lines indented by `indent`.
 */
export function wrapText(text: string, width: number, indent = "  "): string[] {
	if (text.length <= width) return [text];
	const lines: string[] = [];
	let line = "";
	for (const word of text.split(" ")) {
		const candidate = line.length === 0 ? word : `${line} ${word}`;
		if (candidate.length <= width || line.trim().length === 0) {
			line = candidate;
			continue;
		}
		lines.push(line);
		line = `${indent}${word}`;
	}
	lines.push(line);
	return lines.map((l) => truncate(l, width));
}
