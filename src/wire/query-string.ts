/**
 * @module wire/query-string
 *
 * Splits a URL query string into decoded (name, value) pairs, in order and
 * with repetitions kept (`?a=1&a=2` binds a repeated field). `+` means a
 * space, as HTML forms and grpc-gateway have it. A hand-written loop, because
 * URLSearchParams costs more than the whole route match on the REST hot path.
 */
import { invalidArgument } from "../errors.js";

export type QueryPair = readonly [name: string, value: string];

function decodeComponent(text: string): string {
  const spaced = text.includes("+") ? text.replaceAll("+", " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw invalidArgument(`the query string has a malformed percent-escape in "${text}"`);
  }
}

/** The pairs of `query` (the part after "?", without it). Empty pieces (`a=1&&b=2`) are skipped. */
export function parseQueryString(query: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end < 0) end = query.length;
    if (end > start) {
      const equals = query.indexOf("=", start);
      if (equals < 0 || equals > end) {
        pairs.push([decodeComponent(query.slice(start, end)), ""]);
      } else {
        pairs.push([decodeComponent(query.slice(start, equals)), decodeComponent(query.slice(equals + 1, end))]);
      }
    }
    start = end + 1;
  }
  return pairs;
}
