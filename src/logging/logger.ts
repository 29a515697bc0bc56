/**
 * @module logging/logger
 *
 * Structured JSON logs, one object per line on stderr, so that log pipelines
 * (and `kubectl logs | jq`) can query them. Fields whose names suggest secrets
 * are redacted before they are written, wherever they appear.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields, serialized?: JsonFields): void;
  info(message: string, fields?: LogFields, serialized?: JsonFields): void;
  warn(message: string, fields?: LogFields, serialized?: JsonFields): void;
  error(message: string, fields?: LogFields, serialized?: JsonFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const secretKey = /pass(word)?|secret|token|authorization|private|credential|cookie/i;

/**
 * Fields serialized once and written as they are at the end of every line
 * that carries them: for a group of fields repeated line after line (the
 * webhook's decision, the same for every Pod of a Deployment), so each line
 * costs a copy, not a walk and a stringify. Redacted when made, like any
 * field. They must not repeat a field of the logger or of the call.
 */
export class JsonFields {
  /** `"a":1,"b":2`: the members of the serialized object, without its braces ("" when there are none). */
  readonly members: string;
  constructor(fields: LogFields) {
    this.members = (JSON.stringify(redact(fields)) ?? "{}").slice(1, -1);
  }
}

/**
 * The value with secret-looking fields redacted and errors made plain, as a
 * copy only where something changes: a decision record (written per review)
 * usually has nothing to redact, and copying it would cost more than
 * writing it. Objects that are not plain (class instances) are always copied
 * to their own enumerable fields, as JSON should see them here.
 */
function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  }
  if (value === null || typeof value !== "object" || depth > 6) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = redact(v, depth + 1);
      if (copy === undefined && r !== v) copy = value.slice(0, i);
      if (copy !== undefined) copy.push(r);
    }
    return copy ?? value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  const plain = prototype === Object.prototype || prototype === null;
  let out: Record<string, unknown> | undefined = plain ? undefined : {};
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = record[key];
    const r = secretKey.test(key) ? "[redacted]" : redact(v, depth + 1);
    if (out === undefined && r !== v) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
    }
    if (out !== undefined) out[key] = r;
  }
  return out ?? value;
}

const lineFields = new Set(["time", "level", "msg"]);

/** Whether a call's fields name a field of the line or of the logger. */
function repeatsAField(fields: LogFields, base: LogFields): boolean {
  for (const key in fields) if (lineFields.has(key) || Object.hasOwn(base, key)) return true;
  return false;
}

/** The time of a line, formatted once per millisecond: a busy webhook writes several lines in one. */
let lastTime = { ms: Number.NaN, iso: "" };
function isoTime(): string {
  const ms = Date.now();
  if (ms !== lastTime.ms) lastTime = { ms, iso: new Date(ms).toISOString() };
  return lastTime.iso;
}

export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields } = {},
): Logger {
  const threshold = order[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  // The logger's own fields never change: serialized once, after the line's time, level and msg.
  const baseMembers = new JsonFields(base).members;
  const emit = (level: LogLevel, message: string, fields?: LogFields, serialized?: JsonFields) => {
    if (order[level] < threshold) return;
    // The line's fields in their order (time, level, msg, the logger's, the call's), then the serialized ones as they are.
    let text: string;
    if (fields === undefined || !repeatsAField(fields, base)) {
      text = `{"time":"${isoTime()}","level":"${level}","msg":${JSON.stringify(message)}`;
      if (baseMembers !== "") text += `,${baseMembers}`;
      const callMembers = fields === undefined ? "" : new JsonFields(fields).members;
      if (callMembers !== "") text += `,${callMembers}`;
    } else {
      // A call field replaces the logger's (or the line's) field of that name where it stood.
      text = (JSON.stringify(redact({ time: isoTime(), level, msg: message, ...base, ...fields })) ?? "{}").slice(0, -1);
    }
    write(serialized === undefined || serialized.members === "" ? `${text}}\n` : `${text},${serialized.members}}\n`);
  };
  return {
    debug: (m, f, j) => emit("debug", m, f, j),
    info: (m, f, j) => emit("info", m, f, j),
    warn: (m, f, j) => emit("warn", m, f, j),
    error: (m, f, j) => emit("error", m, f, j),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** For tests and library callers that want silence. */
export const silentLogger: Logger = createLogger({ write: () => {} });
