/** A log record to show as one readable line (a pino record or a `log` run event). */
export interface LogRecordLine {
	level: string;
	message: string;
	stage?: string | undefined;
	workerId?: string | undefined;
	/** Its other fields: plain values are shown as `key=value`, objects are left out. */
	fields?: Record<string, unknown> | undefined;
}

// What every record carries, or what the line says already.
const hidden = new Set([
	"level",
	"time",
	"pid",
	"hostname",
	"name",
	"msg",
	"stage",
	"workerId",
	"backend",
]);

/**
 * The readable form of a log record, the one rule for log lines on a
 * terminal: `warn [stage/worker] message key=value ...`. Structured values
 * (a plan, an error object) stay in the JSON form of piped output.
 */
export function formatLogRecord(record: LogRecordLine): string {
	const where = [record.stage, record.workerId].filter(Boolean).join("/");
	const extras = Object.entries(record.fields ?? {})
		.filter(([key, value]) => !hidden.has(key) && isPlain(value))
		.map(([key, value]) => `${key}=${String(value)}`);
	const tail = extras.length === 0 ? "" : ` ${extras.join(" ")}`;
	return `${record.level}${where ? ` [${where}]` : ""} ${record.message}${tail}`;
}

function isPlain(value: unknown): boolean {
	return ["string", "number", "boolean"].includes(typeof value);
}
