/**
 * @module filter/predicate-compiler
 *
 * Compiles a `Condition` into a function over the parsed canonical JSON of
 * one object, for the memory store. It mirrors `sql-compiler.ts` step by step
 * (same defaults, same code point order, same timestamp normalization), and
 * derives the values of the SQL columns from the JSON the way the stores
 * write them (`noteProjectId`/`noteId` from `noteName`, times as
 * floor-microseconds).
 */
import { parseNoteName } from "../grafeas/resource-names.js";
import {
  columnTypes,
  unspecifiedKind,
  type ColumnCondition,
  type ColumnName,
  type Condition,
  type JsonCondition,
  type Operand,
  type Order,
  type Reading,
  type Step,
  type Test,
} from "./condition.js";
import { epochText, normalizeStoredTimestamp, parseTimestamp } from "./filter-timestamp.js";

type Check = (value: unknown) => boolean;

export function compilePredicate(condition: Condition): (data: unknown) => boolean {
  switch (condition.kind) {
    case "and": {
      const operands = condition.operands.map(compilePredicate);
      return (data) => operands.every((operand) => operand(data));
    }
    case "or": {
      const operands = condition.operands.map(compilePredicate);
      return (data) => operands.some((operand) => operand(data));
    }
    case "not": {
      const operand = compilePredicate(condition.operand);
      return (data) => !operand(data);
    }
    case "column":
      return compileColumn(condition);
    case "json":
      return compileJson(condition);
  }
}

function compileColumn({ column, test }: ColumnCondition): Check {
  const type = columnTypes[column];
  if (type === "micros") {
    const key = column === "create_time" ? "createTime" : "updateTime";
    const micros = (data: unknown) => parseTimestamp(text(at(data, [key])) ?? "")?.micros ?? 0n;
    if (test.kind === "present") return (data) => micros(data) !== 0n;
    if (test.kind !== "compare" || test.operand.type !== "timestamp") {
      throw new Error(`unexpected test ${test.kind} on ${column}`);
    }
    // Same rule as the SQL: both sides are floor-microseconds.
    const bound = test.operand.value.micros;
    const holds = orderHolds[test.op];
    return (data) => holds(compareBigInts(micros(data), bound));
  }
  const read = textColumnReaders[column as TextColumn];
  if (test.kind === "present") {
    const unset = type === "enum" ? unspecifiedKind : "";
    return (data) => read(data) !== unset;
  }
  const check = compileTest(test);
  return (data) => check(read(data));
}

const noteNameParts = (data: unknown) => {
  try {
    return parseNoteName(text(at(data, ["noteName"])) ?? "");
  } catch {
    return { project: "", noteId: "" };
  }
};

type TextColumn = Exclude<ColumnName, "create_time" | "update_time">;

/** The text columns as the stores derive them from the object. */
const textColumnReaders: Readonly<Record<TextColumn, (data: unknown) => string>> = {
  name: (data) => text(at(data, ["name"])) ?? "",
  kind: (data) => text(at(data, ["kind"])) ?? unspecifiedKind,
  resource_uri: (data) => text(at(data, ["resourceUri"])) ?? "",
  note_name: (data) => text(at(data, ["noteName"])) ?? "",
  note_project: (data) => noteNameParts(data).project,
  note_id: (data) => noteNameParts(data).noteId,
};

function compileJson(condition: JsonCondition): Check {
  let check = compileLeaf(condition);
  for (const step of [...condition.steps].reverse()) check = compileStep(step, check);
  return check;
}

/** "Some element/entry satisfies `inner`", like EXISTS over json_each. */
function compileStep(step: Step, inner: Check): Check {
  switch (step.iterate) {
    case "elements":
      return (context) => {
        const list = at(context, step.path);
        return Array.isArray(list) && list.some(inner);
      };
    case "members":
      return (context) => {
        const map = at(context, step.path);
        return isObject(map) && Object.values(map).some(inner);
      };
    case "entry":
      return (context) => {
        const map = at(context, step.path);
        return isObject(map) && Object.hasOwn(map, step.key) && inner(map[step.key]);
      };
  }
}

function compileLeaf({ path, reading, test }: JsonCondition): Check {
  if (test.kind === "any") return () => true;
  if (test.kind === "present") {
    return (context) => {
      const value = at(context, path);
      return value !== undefined && value !== null;
    };
  }
  const read = reader(reading);
  const check = compileTest(test);
  return (context) => check(read(at(context, path)));
}

/** Reads a JSON value as the SQL does: absent (or null) is the proto3 default. */
function reader(reading: Reading): (value: unknown) => unknown {
  switch (reading.type) {
    case "string":
      return (value) => text(value) ?? "";
    case "enum":
      return (value) => text(value) ?? reading.zero;
    case "bool":
      return (value) => value === true;
    case "number":
      return (value) => {
        if (value === undefined || value === null) return 0;
        if (typeof value === "number") return value;
        if (value === "Infinity") return Infinity;
        if (value === "-Infinity") return -Infinity;
        return NaN;
      };
    case "int64":
      return (value) => {
        if (value === undefined || value === null) return 0n;
        try {
          return BigInt(value as string | number);
        } catch {
          return 0n;
        }
      };
    case "timestamp":
      return (value) => {
        const stored = text(value);
        return stored === undefined ? epochText : normalizeStoredTimestamp(stored);
      };
    case "message":
      throw new Error("a message value has no reading; only presence applies");
  }
}

function compileTest(test: Test): Check {
  switch (test.kind) {
    case "any":
      return () => true;
    case "present":
      throw new Error("presence is compiled by the caller");
    case "oneOf": {
      const names = new Set(test.names);
      return (value) => names.has(value as string);
    }
    case "compare":
      return compileCompare(test.op, test.operand);
    case "match": {
      const { mode, text: pattern } = test;
      if (mode === "prefix") return (value) => (value as string).startsWith(pattern);
      if (mode === "suffix") return (value) => (value as string).endsWith(pattern);
      return (value) => (value as string).includes(pattern);
    }
  }
}

const orderHolds: Readonly<Record<Order, (comparison: number) => boolean>> = {
  "=": (c) => c === 0,
  "<": (c) => c < 0,
  "<=": (c) => c <= 0,
  ">": (c) => c > 0,
  ">=": (c) => c >= 0,
};

function compileCompare(op: Order, operand: Operand): Check {
  const holds = orderHolds[op];
  switch (operand.type) {
    case "string":
      return (value) => holds(compareCodePoints(value as string, operand.value));
    case "timestamp":
      return (value) => holds(compareCodePoints(value as string, operand.value.text));
    case "number": {
      const bound = operand.value;
      // Written out so that NaN fails every comparison, as it does in SQL.
      const compare: Record<Order, (n: number) => boolean> = {
        "=": (n) => n === bound,
        "<": (n) => n < bound,
        "<=": (n) => n <= bound,
        ">": (n) => n > bound,
        ">=": (n) => n >= bound,
      };
      const check = compare[op];
      return (value) => check(value as number);
    }
    case "int64":
      return (value) => holds(compareBigInts(value as bigint, operand.value));
    case "bool":
      return (value) => value === operand.value;
  }
}

function compareBigInts(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares by Unicode code point, as SQLite (UTF-8 bytes) and PostgreSQL
 * (`COLLATE "C"`) do; JavaScript's `<` compares UTF-16 units, which puts
 * U+E000–U+FFFF after the characters above U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates (code points above U+FFFF) above U+E000–U+FFFF.
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a chain of own keys, or undefined (never an inherited property such as `constructor`). */
function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A JSON string as text; absent or null is undefined; other scalars as SQL would print them. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
