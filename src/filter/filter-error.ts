/**
 * @module filter/filter-error
 *
 * How a bad filter is reported. Every message points at a 1-based column of
 * the text the client sent (counted in characters, not UTF-16 units), so a
 * client can find the mistake in a long filter without guessing.
 */
import { invalidArgument, type ScribaError } from "../errors.js";

/** The 1-based column of a UTF-16 offset into `text`, counted in code points. */
export function columnAt(text: string, offset: number): number {
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The high half of a surrogate pair starts a character; the low half does not.
    if (unit < 0xdc00 || unit > 0xdfff) column++;
  }
  return column;
}

/** INVALID_ARGUMENT `invalid filter at column N: <problem>`, with a `filter` field violation. */
export function filterError(text: string, offset: number, problem: string): ScribaError {
  const message = `invalid filter at column ${columnAt(text, offset)}: ${problem}`;
  return invalidArgument(message, [{ field: "filter", description: message }]);
}

/** INVALID_ARGUMENT about the filter as a whole (its size), with a `filter` field violation. */
export function wholeFilterError(problem: string): ScribaError {
  const message = `invalid filter: ${problem}`;
  return invalidArgument(message, [{ field: "filter", description: message }]);
}
