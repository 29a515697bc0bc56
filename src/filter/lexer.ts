/**
 * @module filter/lexer
 *
 * Splits an AIP-160 filter into tokens. Whitespace is not a token, but every
 * token records whether whitespace preceded it: the grammar needs that to tell
 * `a.b` (a member) from `a .b`, and `-a` (negation) from `x = -1` (a number).
 *
 * Quoted strings (`"…"` or `'…'`) and unquoted text both take backslash
 * escapes. An escaped `*` is a literal star; every unescaped `*` is recorded
 * so the resolver can treat a leading or trailing one as a wildcard.
 */
import { filterError } from "./filter-error.js";

export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":";

export type TokenType =
  | "text" // unquoted text: names, numbers, keywords, enum values
  | "string" // a quoted string
  | "comparator"
  | "("
  | ")"
  | "."
  | ","
  | "-"
  | "end";

export interface Token {
  readonly type: TokenType;
  /** The decoded text (escapes resolved, quotes removed), or the symbol itself. */
  readonly value: string;
  /** UTF-16 offset of the first character in the filter. */
  readonly offset: number;
  /** UTF-16 offset just past the last character. */
  readonly end: number;
  readonly spaceBefore: boolean;
  /** Positions in `value` of the `*` characters that were not escaped. */
  readonly stars: readonly number[];
  /** True when `value` came through escapes (so `AND` written as `\AND` is not a keyword). */
  readonly escaped: boolean;
}

/** Characters that end unquoted text. `-` is only special at the start of a token. */
const delimiters = new Set(["(", ")", ".", ",", "=", "!", "<", ">", ":", '"', "'"]);

const quotedEscapes: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  "'": "'",
  "*": "*",
  n: "\n",
  r: "\r",
  t: "\t",
};

const whitespace = /\s/;

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    const start = i;
    while (i < text.length && whitespace.test(text.charAt(i))) i++;
    const spaceBefore = i > start;
    if (i >= text.length) {
      tokens.push(symbol("end", "", i, i, spaceBefore));
      return tokens;
    }
    const c = text.charAt(i);
    const next = text.charAt(i + 1);
    if (c === "(" || c === ")" || c === "." || c === "," || c === "-") {
      tokens.push(symbol(c, c, i, i + 1, spaceBefore));
      i += 1;
    } else if ((c === "<" || c === ">" || c === "!") && next === "=") {
      tokens.push(symbol("comparator", c + next, i, i + 2, spaceBefore));
      i += 2;
    } else if (c === "=" || c === "<" || c === ">" || c === ":") {
      tokens.push(symbol("comparator", c, i, i + 1, spaceBefore));
      i += 1;
    } else if (c === "!") {
      throw filterError(text, i, `expected "!=", found "!"${next === "" ? " at the end" : ` followed by ${JSON.stringify(next)}`}`);
    } else if (c === '"' || c === "'") {
      const token = readQuoted(text, i, spaceBefore);
      tokens.push(token);
      i = token.end;
    } else {
      const token = readText(text, i, spaceBefore);
      tokens.push(token);
      i = token.end;
    }
  }
}

function symbol(type: TokenType, value: string, offset: number, end: number, spaceBefore: boolean): Token {
  return { type, value, offset, end, spaceBefore, stars: [], escaped: false };
}

function readQuoted(text: string, offset: number, spaceBefore: boolean): Token {
  const quote = text.charAt(offset);
  let value = "";
  const stars: number[] = [];
  let escaped = false;
  let i = offset + 1;
  while (true) {
    if (i >= text.length) {
      throw filterError(text, offset, `expected a closing ${quote} for the string that starts here, found the end of the filter`);
    }
    const c = text.charAt(i);
    if (c === quote) {
      if (unpairedSurrogate.test(value)) {
        throw filterError(text, offset, `the string that starts here is not valid Unicode (an escape makes an unpaired surrogate)`);
      }
      return { type: "string", value, offset, end: i + 1, spaceBefore, stars, escaped };
    }
    if (c === "\\") {
      const e = text.charAt(i + 1);
      if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
          throw filterError(text, i, `expected four hex digits after \\u, found ${JSON.stringify(hex)}`);
        }
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        const decoded = quotedEscapes[e];
        if (decoded === undefined) {
          throw filterError(
            text,
            i,
            `unknown escape ${e === "" ? "\\ at the end" : JSON.stringify("\\" + e)} in a string; use \\\\ \\" \\' \\* \\n \\r \\t or \\uXXXX`,
          );
        }
        value += decoded;
        i += 2;
      }
      escaped = true;
      continue;
    }
    if (c === "*") stars.push(value.length);
    value += c;
    i++;
  }
}

function readText(text: string, offset: number, spaceBefore: boolean): Token {
  let value = "";
  const stars: number[] = [];
  let escaped = false;
  let i = offset;
  while (i < text.length) {
    const c = text.charAt(i);
    if (whitespace.test(c) || delimiters.has(c)) break;
    if (c === "\\") {
      if (i + 1 >= text.length) throw filterError(text, i, `expected a character after \\, found the end of the filter`);
      // In unquoted text a backslash makes the next character literal (`\*`, `\:`, `\ `).
      const codePoint = text.codePointAt(i + 1) ?? 0;
      const literal = String.fromCodePoint(codePoint);
      value += literal;
      i += 1 + literal.length;
      escaped = true;
      continue;
    }
    if (c === "*") stars.push(value.length);
    value += c;
    i++;
  }
  return { type: "text", value, offset, end: i, spaceBefore, stars, escaped };
}

/** How a token is named in error messages: `"foo"`, `"="`, `the end of the filter`. */
export function describeToken(token: Token, text: string): string {
  if (token.type === "end") return "the end of the filter";
  return JSON.stringify(text.slice(token.offset, token.end));
}
