/**
 * @module filter/sql-compiler
 *
 * Compiles a `Condition` into a boolean SQL expression over the columns of
 * `store/store.ts`, for SQLite (JSON1 over TEXT `data`, `?` placeholders) or
 * PostgreSQL (jsonb `data`, `$n` placeholders).
 *
 * - Every value the client wrote (strings, numbers, enum names, map keys,
 *   wildcard patterns, timestamps) is a parameter. The only text inlined comes
 *   from the descriptors: JSON paths of field names and the default (zero)
 *   name of an enum, each checked against a strict identifier pattern first.
 *   Inlined paths keep expressions such as
 *   `json_extract(data, '$.vulnerability.severity')` identical to those an
 *   expression index would use, and placeholder-free value expressions may be
 *   repeated without upsetting SQLite's positional `?`.
 * - Every sub-expression is two-valued (never NULL): absent values are read as
 *   their proto3 default with COALESCE and NaN comparisons are FALSE, so NOT
 *   means exactly what the predicate's `!` means.
 * - Strings compare by code point in both dialects: SQLite compares UTF-8
 *   bytes (BINARY), PostgreSQL is told `COLLATE "C"` for every ordering.
 *   Wildcards never use LIKE (case-insensitive in SQLite): a prefix is a
 *   range (index-friendly on the indexed columns), a suffix compares the tail,
 *   a contains uses instr/strpos.
 */
import type { SqlDialect, SqlFragment } from "./compiled-filter.js";
import {
  columnTypes,
  unspecifiedKind,
  type ColumnCondition,
  type Condition,
  type JsonCondition,
  type Operand,
  type Order,
  type Reading,
  type Step,
  type Test,
} from "./condition.js";
import { epochText } from "./filter-timestamp.js";

const jsonKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const enumNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compileSql(condition: Condition, dialect: SqlDialect, firstParam = 1): SqlFragment {
  const compiler = new SqlCompiler(dialect, firstParam);
  const sql = compiler.condition(condition, "data");
  return { sql, params: compiler.params };
}

class SqlCompiler {
  readonly params: (string | number)[] = [];
  private aliases = 0;

  constructor(
    private readonly dialect: SqlDialect,
    private readonly firstParam: number,
  ) {}

  condition(condition: Condition, base: string): string {
    switch (condition.kind) {
      case "and":
      case "or":
        return `(${condition.operands.map((c) => this.condition(c, base)).join(condition.kind === "and" ? " AND " : " OR ")})`;
      case "not":
        return `(NOT ${this.condition(condition.operand, base)})`;
      case "column":
        return this.column(condition);
      case "json":
        return this.json(condition, condition.steps, base);
    }
  }

  private column({ column, test }: ColumnCondition): string {
    const type = columnTypes[column];
    if (test.kind === "present") {
      if (type === "string") return `${column} <> ''`;
      if (type === "enum") return `${column} <> ${enumLiteral(unspecifiedKind)}`;
      return `${column} <> 0`;
    }
    if (type === "micros" && test.kind === "compare" && test.operand.type === "timestamp") {
      // The column holds floor-microseconds; the filter instant is floored the same way.
      return `${column} ${test.op} ${this.integer(test.operand.value.micros)}`;
    }
    return this.test(column, test);
  }

  /** `EXISTS (… json_each …)` per step, then the test on the value at `path`. */
  private json(condition: JsonCondition, steps: readonly Step[], base: string): string {
    const [step, ...rest] = steps;
    if (step === undefined) return this.leaf(condition, base);
    const alias = `filter_each_${++this.aliases}`;
    const sqlite = this.dialect === "sqlite";
    let source: string;
    if (sqlite) {
      source = `json_each(${base}, ${this.sqlitePath(step.path)}) AS ${alias}`;
    } else if (step.iterate === "elements") {
      source = `jsonb_array_elements(${base} #> ${this.postgresPath(step.path)}) AS ${alias}(value)`;
    } else {
      source = `jsonb_each(${base} #> ${this.postgresPath(step.path)}) AS ${alias}(key, value)`;
    }
    const key = step.iterate === "entry" ? `${alias}.key = ${this.text(step.key)} AND ` : "";
    return `EXISTS (SELECT 1 FROM ${source} WHERE ${key}${this.json(condition, rest, `${alias}.value`)})`;
  }

  private leaf({ path, reading, test }: JsonCondition, base: string): string {
    if (test.kind === "any") return "TRUE";
    if (test.kind === "present") {
      return this.dialect === "sqlite"
        ? `COALESCE(json_type(${base}, ${this.sqlitePath(path)}), 'null') <> 'null'`
        : `COALESCE(jsonb_typeof(${base} #> ${this.postgresPath(path)}), 'null') <> 'null'`;
    }
    return this.test(this.read(base, path, reading), test);
  }

  /** The value at `path` as SQL, with absent values read as the proto3 default. */
  private read(base: string, path: readonly string[], reading: Reading): string {
    const sqlite = this.dialect === "sqlite";
    const raw = sqlite
      ? path.length === 0
        ? base
        : `json_extract(${base}, ${this.sqlitePath(path)})`
      : `(${base} #>> ${this.postgresPath(path)})`;
    switch (reading.type) {
      case "string":
        return `COALESCE(${raw}, '')`;
      case "enum":
        return `COALESCE(${raw}, ${enumLiteral(reading.zero)})`;
      case "bool":
        return sqlite ? `COALESCE(${raw}, 0)` : `COALESCE((${raw})::boolean, FALSE)`;
      case "number":
        // Canonical JSON writes non-finite floats as strings; NaN reads as NULL so it equals nothing.
        return sqlite
          ? `(CASE COALESCE(${raw}, 0) WHEN 'Infinity' THEN 9e999 WHEN '-Infinity' THEN -9e999 WHEN 'NaN' THEN NULL ELSE COALESCE(${raw}, 0) END)`
          : `NULLIF(COALESCE(${raw}, '0')::double precision, 'NaN'::double precision)`;
      case "int64":
        return sqlite ? `CAST(COALESCE(${raw}, '0') AS INTEGER)` : `COALESCE(${raw}, '0')::numeric`;
      case "timestamp": {
        // See filter/filter-timestamp.ts: the same substring steps as normalizeStoredTimestamp.
        const max = sqlite ? "max" : "GREATEST";
        const fraction = `CASE WHEN substr(${raw}, 20, 1) = '.' THEN substr(${raw}, 21, ${max}(length(${raw}) - 21, 0)) ELSE '' END`;
        return `COALESCE(substr(${raw}, 1, 19) || '.' || substr(${fraction} || '000000000', 1, 9), '${epochText}')`;
      }
      case "message":
        throw new Error("a message value has no SQL reading; only presence applies");
    }
  }

  private test(value: string, test: Test): string {
    switch (test.kind) {
      case "any":
        return "TRUE";
      case "present":
        throw new Error("presence is compiled by the caller");
      case "oneOf":
        if (test.names.length === 0) return "FALSE";
        if (test.names.length === 1) return `${value} = ${this.text(test.names[0]!)}`;
        return `${value} IN (${test.names.map((name) => this.text(name)).join(", ")})`;
      case "compare":
        return this.compare(value, test.op, test.operand);
      case "match":
        return this.match(value, test.mode, test.text);
    }
  }

  private compare(value: string, op: Order, operand: Operand): string {
    const sqlite = this.dialect === "sqlite";
    switch (operand.type) {
      case "string":
      case "timestamp": {
        const text = this.text(operand.type === "string" ? operand.value : operand.value.text);
        return op === "=" || sqlite ? `${value} ${op} ${text}` : `${value} COLLATE "C" ${op} ${text}`;
      }
      case "number":
        return `COALESCE(${value} ${op} ${this.param(operand.value, "double precision")}, FALSE)`;
      case "int64":
        return `${value} ${op} ${sqlite ? `CAST(${this.param(operand.value.toString())} AS INTEGER)` : this.param(operand.value.toString(), "numeric")}`;
      case "bool":
        return sqlite ? `${value} = ${this.param(operand.value ? 1 : 0)}` : `${value} = ${this.param(String(operand.value), "boolean")}`;
    }
  }

  private match(value: string, mode: "prefix" | "suffix" | "contains", text: string): string {
    const sqlite = this.dialect === "sqlite";
    const ordered = sqlite ? value : `${value} COLLATE "C"`;
    switch (mode) {
      case "prefix": {
        const lower = `${ordered} >= ${this.text(text)}`;
        const upper = prefixUpperBound(text);
        return upper === undefined ? lower : `(${lower} AND ${ordered} < ${this.text(upper)})`;
      }
      case "suffix": {
        if (sqlite) return `substr(${value}, -length(${this.text(text)})) = ${this.text(text)}`;
        const suffix = this.text(text);
        return `right(${value}, length(${suffix})) = ${suffix}`;
      }
      case "contains":
        return sqlite ? `instr(${value}, ${this.text(text)}) > 0` : `strpos(${value}, ${this.text(text)}) > 0`;
    }
  }

  private text(value: string): string {
    return this.param(value, "text");
  }

  private integer(value: bigint): string {
    return this.dialect === "sqlite" ? `CAST(${this.param(value.toString())} AS INTEGER)` : this.param(value.toString(), "bigint");
  }

  /** A placeholder for a new parameter; PostgreSQL placeholders carry a cast so their type never depends on inference. */
  private param(value: string | number, postgresType?: string): string {
    this.params.push(value);
    if (this.dialect === "sqlite") return "?";
    const placeholder = `$${this.firstParam + this.params.length - 1}`;
    return postgresType === undefined ? placeholder : `${placeholder}::${postgresType}`;
  }

  private sqlitePath(path: readonly string[]): string {
    return `'$${path.map((key) => `.${checkedKey(key)}`).join("")}'`;
  }

  private postgresPath(path: readonly string[]): string {
    return `'{${path.map(checkedKey).join(",")}}'`;
  }
}

/** JSON keys inlined into SQL come from descriptors; this guards the guarantee. */
function checkedKey(key: string): string {
  if (!jsonKeyPattern.test(key)) throw new Error(`refusing to inline JSON key ${JSON.stringify(key)}`);
  return key;
}

/**
 * The default name of an enum, from its descriptor, as a SQL literal. Inlining
 * it keeps value expressions free of placeholders, so a value expression may
 * appear twice (a prefix range) without disturbing SQLite's positional `?`.
 */
function enumLiteral(name: string): string {
  if (!enumNamePattern.test(name)) throw new Error(`refusing to inline enum name ${JSON.stringify(name)}`);
  return `'${name}'`;
}

/**
 * The smallest string greater than every string that starts with `prefix`
 * (in code point order), or undefined when there is none (a prefix of only
 * U+10FFFF). `col >= prefix AND col < bound` is then a prefix match that an
 * ordinary B-tree index can serve.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last === 0x10ffff) continue;
    codePoints.push(last === 0xd7ff ? 0xe000 : last + 1);
    return String.fromCodePoint(...codePoints);
  }
  return undefined;
}
