/**
 * @module filter
 *
 * AIP-160 list filters for projects, notes and occurrences. One parser and
 * one resolver produce a typed condition; it is compiled both to a
 * parameterized SQL expression (SQLite and PostgreSQL) and to an in-memory
 * predicate, and the two agree on every object (a differential test proves it
 * on real databases). Upstream Grafeas ignores `filter`; Scriba does not.
 *
 * ## Grammar (AIP-160)
 *
 * ```ebnf
 * filter      = [expression]
 * expression  = sequence {WS "AND" WS sequence}
 * sequence    = factor {WS factor}               (* implicit AND *)
 * factor      = term {WS "OR" WS term}
 * term        = ["NOT" WS | "-"] simple
 * simple      = restriction | "(" expression ")"
 * restriction = comparable [comparator arg]      (* Scriba requires the comparator *)
 * comparable  = member
 * member      = name {"." name}                  (* a name is text or a quoted string *)
 * comparator  = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
 * arg         = STRING | ["-"] TEXT {"." TEXT}
 * ```
 *
 * - OR binds tighter than AND: `a AND b OR c` is `a AND (b OR c)`, and
 *   `a b OR c` is `a AND (b OR c)`.
 * - `AND`, `OR` and `NOT` are keywords only in capitals. `NOT` may be
 *   followed directly by `(`; `-` must touch its term (`-kind = BUILD`).
 * - Strings are `"…"` or `'…'` with escapes `\\ \" \' \* \n \r \t \uXXXX`.
 *   Unquoted text (numbers, `true`/`false`, enum names, identifiers) may use
 *   `\` to make the next character literal; values with spaces, `:`, `=`,
 *   parentheses or quotes must be quoted.
 * - Not supported, each with its own error: function calls (`f(x)`),
 *   parenthesized value lists (`a = (x OR y)`), and bare global restrictions
 *   (`foo` without a field and comparator).
 * - At most {@link maxFilterLength} characters and {@link maxNestingDepth}
 *   levels of parentheses and negations.
 *
 * ## Names
 *
 * Occurrences: `name`, `kind`, `resourceUri` (also `resource_uri`,
 * `resourceUrl`, `resource_url`), `noteName`, `noteProjectId` and `noteId`
 * (the two halves of `noteName`), `createTime`, `updateTime` use the indexed
 * columns. Notes: `name`, `kind`, `createTime`, `updateTime`. Projects:
 * `name` only. Every other name is a path through the grafeas.v1 Occurrence
 * or Note message, each field by its JSON (camelCase) or proto (snake_case)
 * name: into the details oneof (`vulnerability.effectiveSeverity`), nested
 * messages, repeated fields (`vulnerability.packageIssue.affectedPackage`)
 * and maps, where the segment after a map is a key
 * (`build.provenance.buildOptions."key"`). Timestamps are leaves; Any,
 * Struct, Value and ListValue can only be tested with `:*`.
 *
 * ## Values and types
 *
 * - Strings (and bytes, as their base64 text): `=`, `!=`, `<`, `<=`, `>`,
 *   `>=` compare by Unicode code point (binary; PostgreSQL uses
 *   `COLLATE "C"`), case-sensitively.
 * - Wildcards: in a string value for `=`, `!=` or `:`, a leading and/or
 *   trailing unescaped `*` makes a suffix, prefix or contains match
 *   (`"https://gcr.io/p/*"`); `\*` is a literal star; a `*` anywhere else is
 *   an error. A value of only stars matches every string.
 * - Enums take a value name (case-sensitive; aliases such as `COMPLETE` for
 *   `FINISHED_SUCCESS` are the same value) or its number. NoteKind also takes
 *   the v1beta1 names PACKAGE_VULNERABILITY, ATTESTATION_AUTHORITY,
 *   BUILD_DETAILS, IMAGE_BASIS, PACKAGE_MANAGER and DEPLOYABLE. Orderings
 *   compare the enum numbers (`vulnerability.severity >= HIGH` is HIGH or
 *   CRITICAL).
 * - Numbers: integers for int32/int64 fields (range-checked), finite decimals
 *   for float/double; compared numerically (float fields as IEEE doubles; a
 *   stored NaN matches no comparison). Quoted numbers are accepted.
 * - Bools: `true` or `false`, with `=`, `!=` and `:` only.
 * - Timestamps: RFC 3339 with any offset (`"2024-01-02T03:04:05.5+02:00"`),
 *   compared by instant. Timestamps inside the object compare to the
 *   nanosecond; `createTime`/`updateTime` use the indexed columns, which hold
 *   whole microseconds, so there both sides are rounded down to the
 *   microsecond (a time copied from an object always equals it).
 *
 * ## Defaults, presence and repeated fields (proto3 semantics)
 *
 * - An absent field reads as its default: `""`, `0`, `false`, the zero enum
 *   value, the epoch for a Timestamp. A field of an absent message reads the
 *   same way, so `vulnerability.cvssScore = 0` matches every occurrence
 *   without a CVSS score, vulnerability or not.
 * - `f:*` asks whether `f` is set: present in the stored JSON (which omits
 *   defaults), a non-empty list or map, a present message; for the columns, a
 *   non-default value.
 * - `:` with a value: on a singular string it is a substring match
 *   (`resourceUri:"gcr.io/p"`); on a repeated field it asks whether some
 *   element equals the value (wildcards allowed); on a map, `m:key` asks
 *   whether the key exists; on any other singular field it is `=`.
 * - A path through a repeated field or a map key means "some element (entry)
 *   satisfies the rest" for every comparator
 *   (`vulnerability.packageIssue.fixAvailable = true`); an empty list has no
 *   such element. A missing map key satisfies no comparison (so
 *   `m.key != v` holds when the key is missing).
 * - `!=` is always the negation of `=`: on a repeated path it means no element
 *   equals the value. `NOT x` and `-x` negate the whole restriction.
 */
import type { CompiledFilter, FilterResource } from "./compiled-filter.js";
import { wholeFilterError } from "./filter-error.js";
import { parseFilter } from "./parser.js";
import { compilePredicate } from "./predicate-compiler.js";
import { resolveFilter } from "./resolver.js";
import { compileSql } from "./sql-compiler.js";

export type { CompiledFilter, FilterResource, SqlDialect, SqlFragment } from "./compiled-filter.js";
export { maxNestingDepth } from "./parser.js";

/** The longest filter accepted, in UTF-16 code units. */
export const maxFilterLength = 4096;

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses, type-checks and compiles a filter for one resource. Returns
 * undefined for an empty or blank filter (no filtering); throws
 * INVALID_ARGUMENT naming the column of the first problem otherwise.
 */
export function compileFilter(text: string, resource: FilterResource): CompiledFilter | undefined {
  if (text.length > maxFilterLength) {
    throw wholeFilterError(`the filter is ${text.length} characters long; the maximum is ${maxFilterLength}`);
  }
  if (text.trim() === "") return undefined;
  if (unpairedSurrogate.test(text)) throw wholeFilterError("the filter is not valid Unicode (unpaired surrogate)");
  const condition = resolveFilter(parseFilter(text), resource, text);
  const matches = compilePredicate(condition);
  return {
    text,
    resource,
    toSql: (dialect, firstParam = 1) => {
      if (!Number.isInteger(firstParam) || firstParam < 1) {
        throw new RangeError(`firstParam must be a positive integer, got ${firstParam}`);
      }
      return compileSql(condition, dialect, firstParam);
    },
    matches,
  };
}
