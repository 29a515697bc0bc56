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
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const secretKey = /pass(word)?|secret|token|authorization|private|credential|cookie/i;

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

export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields } = {},
): Logger {
  const threshold = order[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base = options.fields ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (order[level] < threshold) return;
    // One object, one stringify: the line's fields in their order (time, level, msg, the logger's, the call's).
    const line = redact({ time: new Date().toISOString(), level, msg: message, ...base, ...fields });
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** For tests and library callers that want silence. */
export const silentLogger: Logger = createLogger({ write: () => {} });
