/**
 * @module filter/ast
 *
 * The syntax tree of a filter, before any field or value is checked. Offsets
 * are kept on every leaf so that resolution errors can name a column too.
 * `AND` and the implicit AND of a sequence (`a=1 b=2`) both become `and`.
 */
import type { Comparator } from "./lexer.js";

export type Expression = And | Or | Not | Restriction;

export interface And {
  readonly type: "and";
  readonly operands: readonly Expression[];
}

export interface Or {
  readonly type: "or";
  readonly operands: readonly Expression[];
}

/** `NOT x` or `-x`. */
export interface Not {
  readonly type: "not";
  readonly operand: Expression;
}

/** `member comparator value`, e.g. `vulnerability.severity >= HIGH`. */
export interface Restriction {
  readonly type: "restriction";
  readonly member: readonly MemberSegment[];
  readonly comparator: Comparator;
  /** UTF-16 offset of the comparator. */
  readonly comparatorOffset: number;
  readonly value: Value;
}

/** One name of a member path; quoted segments (`m."a.b"`) may hold any text, e.g. a map key. */
export interface MemberSegment {
  readonly name: string;
  readonly quoted: boolean;
  readonly offset: number;
}

export interface Value {
  /** The decoded value, escapes resolved. */
  readonly text: string;
  readonly quoted: boolean;
  readonly offset: number;
  /** Positions in `text` of unescaped `*` characters (candidate wildcards). */
  readonly stars: readonly number[];
}
