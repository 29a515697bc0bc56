/**
 * @module filter/filter-timestamp
 *
 * Timestamps as filters compare them. Canonical JSON writes a Timestamp as
 * RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, so the raw strings do
 * not sort by instant (`…05Z` sorts after `…05.5Z`). Both compilers therefore
 * rewrite a stored timestamp into one fixed-width form,
 * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn`, using only substring operations that
 * SQLite, PostgreSQL and JavaScript perform identically; fixed-width UTC
 * strings sort by instant.
 *
 * The `create_time`/`update_time` columns hold whole microseconds (the instant
 * rounded down), so a filter instant is also kept rounded down the same way:
 * those two fields compare at microsecond precision, and a time copied from an
 * object always equals that object's time.
 */

export interface FilterTimestamp {
  /** The instant in the fixed-width UTC form. */
  readonly text: string;
  /** Microseconds since the epoch, rounded down. */
  readonly micros: bigint;
}

/** What an unset Timestamp reads as: the epoch (the proto3 default message). */
export const epochText = "1970-01-01T00:00:00.000000000";

const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999999Z. */
const minSeconds = -62135596800;
const maxSeconds = 253402300799;

/** 400 Gregorian years in milliseconds, to keep Date.UTC away from its two-digit-year rule. */
const fourCenturiesMs = 146097 * 86_400_000;

/** Parses an RFC 3339 timestamp (any offset); undefined when it is not one. */
export function parseTimestamp(text: string): FilterTimestamp | undefined {
  const m = rfc3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  let offsetSeconds = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetSeconds = (m[9] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const localMs = Date.UTC(year + 400, month - 1, day, hour, minute, second) - fourCenturiesMs;
  const seconds = localMs / 1000 - offsetSeconds;
  if (seconds < minSeconds || seconds > maxSeconds) return undefined;
  const fraction = (m[7] ?? "").padEnd(9, "0");
  const nanos = Number(fraction);
  return {
    text: `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}`,
    micros: BigInt(seconds) * 1_000_000n + BigInt(Math.floor(nanos / 1000)),
  };
}

/**
 * The fixed-width form of a stored (canonical, UTC) timestamp string, by the
 * same substring steps the SQL uses: the first 19 characters, then the digits
 * between a `.` at position 20 and the final character, padded or cut to 9.
 */
export function normalizeStoredTimestamp(stored: string): string {
  const fraction = stored.charAt(19) === "." ? stored.slice(20, 20 + Math.max(stored.length - 21, 0)) : "";
  return `${stored.slice(0, 19)}.${(fraction + "000000000").slice(0, 9)}`;
}
