/**
 * @module filter/condition
 *
 * A filter after resolution: every name is a column or a descriptor-checked
 * JSON path, every value is typed. This is the one representation that both
 * compilers (`sql-compiler.ts`, `predicate-compiler.ts`) read, so they cannot
 * disagree about what a filter means, only about how to evaluate it.
 */
import type { FilterTimestamp } from "./filter-timestamp.js";

export type Condition =
  | { readonly kind: "and"; readonly operands: readonly Condition[] }
  | { readonly kind: "or"; readonly operands: readonly Condition[] }
  | { readonly kind: "not"; readonly operand: Condition }
  | ColumnCondition
  | JsonCondition;

/** The indexed columns a filter may use (see `store/store.ts`). */
export type ColumnName =
  | "name"
  | "kind"
  | "resource_uri"
  | "note_name"
  | "note_project"
  | "note_id"
  | "create_time"
  | "update_time";

/** How a column's value reads: text, a NoteKind name, or integer microseconds. */
export const columnTypes: Readonly<Record<ColumnName, "string" | "enum" | "micros">> = {
  name: "string",
  kind: "enum",
  resource_uri: "string",
  note_name: "string",
  note_project: "string",
  note_id: "string",
  create_time: "micros",
  update_time: "micros",
};

/** The NoteKind name an unset `kind` reads as. */
export const unspecifiedKind = "NOTE_KIND_UNSPECIFIED";

export interface ColumnCondition {
  readonly kind: "column";
  readonly column: ColumnName;
  readonly test: Test;
}

/**
 * A test on a value inside `data`. `steps` are the repeated fields and map
 * entries on the way (each one means "some element/entry satisfies the
 * rest"); `path` is the chain of singular JSON keys from the last step (or the
 * document) to the value. An empty `path` means the element itself.
 */
export interface JsonCondition {
  readonly kind: "json";
  readonly steps: readonly Step[];
  readonly path: readonly string[];
  readonly reading: Reading;
  readonly test: Test;
}

export type Step =
  /** Some element of the array at `path`. */
  | { readonly iterate: "elements"; readonly path: readonly string[] }
  /** Some value of the object (map) at `path`. */
  | { readonly iterate: "members"; readonly path: readonly string[] }
  /** The value under `key` in the object (map) at `path`, if there is one. */
  | { readonly iterate: "entry"; readonly path: readonly string[]; readonly key: string };

/** How an absent or present JSON value is read; absent values read as the proto3 default. */
export type Reading =
  | { readonly type: "string" | "number" | "int64" | "bool" | "timestamp" | "message" }
  | { readonly type: "enum"; readonly zero: string };

export type Order = "=" | "<" | "<=" | ">" | ">=";

export type Test =
  /** Always true: the steps alone decide (e.g. `list:*`, `map:key`). */
  | { readonly kind: "any" }
  /** The value is set: present in the JSON, or a column holding a non-default value. */
  | { readonly kind: "present" }
  | { readonly kind: "compare"; readonly op: Order; readonly operand: Operand }
  /** An enum value among these names (aliases included). */
  | { readonly kind: "oneOf"; readonly names: readonly string[] }
  /** A string wildcard match; `text` is never empty (an empty pattern is `any`). */
  | { readonly kind: "match"; readonly mode: "prefix" | "suffix" | "contains"; readonly text: string };

export type Operand =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "number"; readonly value: number }
  | { readonly type: "int64"; readonly value: bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "timestamp"; readonly value: FilterTimestamp };
