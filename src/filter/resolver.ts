/**
 * @module filter/resolver
 *
 * Turns the syntax tree into a typed `Condition`: names are resolved by the
 * field catalog, values are checked against the field's type, and the
 * comparator is given its meaning for that shape of field (singular,
 * repeated, map). The rules are listed in `filter/index.ts`.
 */
import type { DescEnum } from "@bufbuild/protobuf";
import type { Expression, Restriction, Value } from "./ast.js";
import type { FilterResource } from "./compiled-filter.js";
import type { Condition, Order, Reading, Test } from "./condition.js";
import { describeType, noteKindEnum, resolveMember, type FieldRef, type FieldType } from "./field-catalog.js";
import { filterError } from "./filter-error.js";
import { parseTimestamp } from "./filter-timestamp.js";

/** NoteKind names from v1beta1 that clients such as Kritis still send. */
const legacyKindNames: Readonly<Record<string, string>> = {
  PACKAGE_VULNERABILITY: "VULNERABILITY",
  ATTESTATION_AUTHORITY: "ATTESTATION",
  BUILD_DETAILS: "BUILD",
  IMAGE_BASIS: "IMAGE",
  PACKAGE_MANAGER: "PACKAGE",
  DEPLOYABLE: "DEPLOYMENT",
};

const integerRanges = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
} as const;

const integerPattern = /^[+-]?\d+$/;
const decimalPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function resolveFilter(expression: Expression, resource: FilterResource, text: string): Condition {
  switch (expression.type) {
    case "and":
    case "or":
      return { kind: expression.type, operands: expression.operands.map((e) => resolveFilter(e, resource, text)) };
    case "not":
      return { kind: "not", operand: resolveFilter(expression.operand, resource, text) };
    case "restriction":
      return new RestrictionResolver(expression, resource, text).resolve();
  }
}

class RestrictionResolver {
  private readonly field: FieldRef;
  private readonly value: Value;
  /** The member as written, for messages. */
  private readonly label: string;

  constructor(
    private readonly restriction: Restriction,
    resource: FilterResource,
    private readonly text: string,
  ) {
    this.field = resolveMember(restriction.member, resource, text);
    this.value = restriction.value;
    this.label = this.field.label;
  }

  resolve(): Condition {
    const { comparator } = this.restriction;
    const field = this.field;
    const isPresence = comparator === ":" && this.value.text === "*" && this.value.stars.length === 1;
    // `!=` is the negation of `=` everywhere, so on a repeated path it means "no element equals".
    const op: Order | ":" = comparator === "!=" ? "=" : comparator;
    const negate = (condition: Condition): Condition =>
      comparator === "!=" ? { kind: "not", operand: condition } : condition;

    if (field.source === "column") {
      const test: Test = isPresence ? { kind: "present" } : this.valueTest(field.type, op, true);
      return negate({ kind: "column", column: field.column, test });
    }
    const { steps, path, type } = field;
    if (field.shape === "singular") {
      if (isPresence) {
        // An empty path is a map entry's value: it is set if the entry exists.
        const test: Test = path.length === 0 ? { kind: "any" } : { kind: "present" };
        return { kind: "json", steps, path, reading: readingOf(type), test };
      }
      if (type.kind === "message") {
        throw this.error(
          this.restriction.comparatorOffset,
          `${field.label} is ${describeType(type)}; only ${field.label}:* (is it set?) applies to it, or name one of its fields`,
        );
      }
      return negate({ kind: "json", steps, path, reading: readingOf(type), test: this.valueTest(type, op, true) });
    }
    if (field.shape === "list") {
      const elements = [...steps, { iterate: "elements" as const, path }];
      if (isPresence) return { kind: "json", steps: elements, path: [], reading: readingOf(type), test: { kind: "any" } };
      if (type.kind === "message") {
        throw this.error(
          this.restriction.comparatorOffset,
          `${field.label} is a repeated ${describeType(type).replace(/^an? /, "")}; ` +
            `only ${field.label}:* (is it non-empty?) applies to it, or name one of its fields`,
        );
      }
      // On a list, `:` is membership: an element equal to the value (wildcards allowed), not a substring.
      const test = this.valueTest(type, op === ":" ? "=" : op, false);
      return negate({ kind: "json", steps: elements, path: [], reading: readingOf(type), test });
    }
    // A map.
    if (isPresence) {
      return { kind: "json", steps: [...steps, { iterate: "members", path }], path: [], reading: readingOf(type), test: { kind: "any" } };
    }
    if (comparator === ":") {
      if (this.value.stars.length > 0) throw this.error(this.value.offset, `wildcards (*) are not supported in map keys`);
      const entry = { iterate: "entry" as const, path, key: this.value.text };
      return { kind: "json", steps: [...steps, entry], path: [], reading: readingOf(type), test: { kind: "any" } };
    }
    throw this.error(
      this.restriction.comparatorOffset,
      `${field.label} is a map; use ${field.label}:* (non-empty), ${field.label}:KEY (has the key) or ${field.label}.KEY ${comparator} value`,
    );
  }

  /**
   * The test for one value of a scalar type. `:` on a singular string is a
   * substring match; on other singular types it is `=`.
   */
  private valueTest(type: FieldType, op: Order | ":", singular: boolean): Test {
    const value = this.value;
    const isText = type.kind === "scalar" && (type.scalar === "string" || type.scalar === "bytes");
    if (!isText && value.stars.length > 0) {
      throw this.error(value.offset, `wildcards (*) apply only to strings; ${this.label} is ${describeType(type)}`);
    }
    const order: Order = op === ":" ? "=" : op;
    switch (type.kind) {
      case "enum":
        return { kind: "oneOf", names: this.enumNames(type.enum, order) };
      case "timestamp": {
        const timestamp = parseTimestamp(value.text);
        if (timestamp === undefined) {
          throw this.error(
            value.offset,
            `expected an RFC 3339 timestamp such as "2024-01-02T03:04:05Z" for ${this.label}, found ${JSON.stringify(value.text)}`,
          );
        }
        return { kind: "compare", op: order, operand: { type: "timestamp", value: timestamp } };
      }
      case "message":
        throw this.error(this.restriction.comparatorOffset, `${this.label} is ${describeType(type)}; only ${this.label}:* applies to it`);
      case "scalar":
        break;
    }
    switch (type.scalar) {
      case "string":
      case "bytes":
        return this.stringTest(op, singular);
      case "bool":
        if (order !== "=") {
          throw this.error(this.restriction.comparatorOffset, `${this.label} is a bool; only =, != and : apply to it`);
        }
        if (value.text !== "true" && value.text !== "false") {
          throw this.error(value.offset, `expected true or false for ${this.label} (a bool), found ${JSON.stringify(value.text)}`);
        }
        return { kind: "compare", op: order, operand: { type: "bool", value: value.text === "true" } };
      case "float": {
        const number = decimalPattern.test(value.text) ? Number(value.text) : NaN;
        if (!Number.isFinite(number)) {
          throw this.error(value.offset, `expected a finite number for ${this.label} (a float), found ${JSON.stringify(value.text)}`);
        }
        return { kind: "compare", op: order, operand: { type: "number", value: number } };
      }
      case "int32":
      case "uint32":
      case "int64":
      case "uint64": {
        const [min, max] = integerRanges[type.scalar];
        const integer = integerPattern.test(value.text) ? BigInt(value.text) : undefined;
        if (integer === undefined || integer < min || integer > max) {
          throw this.error(
            value.offset,
            `expected an integer from ${min} to ${max} for ${this.label} (${describeType(type).replace(/^an? /, "")}), found ${JSON.stringify(value.text)}`,
          );
        }
        return type.scalar === "int64" || type.scalar === "uint64"
          ? { kind: "compare", op: order, operand: { type: "int64", value: integer } }
          : { kind: "compare", op: order, operand: { type: "number", value: Number(integer) } };
      }
    }
  }

  /** Exact, prefix (`abc*`), suffix (`*abc`) or contains (`*abc*`); `:` on a singular string is contains. */
  private stringTest(op: Order | ":", singular: boolean): Test {
    const { text, stars, offset } = this.value;
    const leading = stars.includes(0);
    const trailing = text.length > 1 && stars.includes(text.length - 1);
    if (stars.some((star) => star !== 0 && star !== text.length - 1)) {
      throw this.error(offset, `a * wildcard may stand only at the start or end of a value; write \\* for a literal star`);
    }
    const core = text.slice(leading ? 1 : 0, trailing ? text.length - 1 : text.length);
    if (op === ":" && singular) {
      return core === "" ? { kind: "any" } : { kind: "match", mode: "contains", text: core };
    }
    if (leading || trailing) {
      if (op !== "=" && op !== ":") {
        throw this.error(offset, `wildcards (*) apply only to =, != and :, not to ${op}`);
      }
      if (core === "") return { kind: "any" };
      const mode = leading && trailing ? "contains" : leading ? "suffix" : "prefix";
      return { kind: "match", mode, text: core };
    }
    return { kind: "compare", op: op === ":" ? "=" : op, operand: { type: "string", value: text } };
  }

  /** The names (aliases included) of every enum value whose number satisfies `order` against the filter value. */
  private enumNames(enumType: DescEnum, order: Order): string[] {
    const { text, offset } = this.value;
    let number: number | undefined;
    if (integerPattern.test(text)) {
      number = enumType.value[Number(text)]?.number;
    } else {
      const name = enumType === noteKindEnum ? (legacyKindNames[text] ?? text) : text;
      number = enumType.values.find((value) => value.name === name)?.number;
    }
    if (number === undefined) {
      const valid = enumType.values.map((value) => value.name).join(", ");
      const legacy = enumType === noteKindEnum ? ` (or the v1beta1 names ${Object.keys(legacyKindNames).join(", ")})` : "";
      throw this.error(
        offset,
        `${JSON.stringify(text)} is not a value of ${this.label} (${enumType.typeName}); expected one of ${valid}${legacy}, or its number`,
      );
    }
    const target = number;
    const holds: Record<Order, (n: number) => boolean> = {
      "=": (n) => n === target,
      "<": (n) => n < target,
      "<=": (n) => n <= target,
      ">": (n) => n > target,
      ">=": (n) => n >= target,
    };
    return enumType.values.filter((value) => holds[order](value.number)).map((value) => value.name);
  }

  private error(offset: number, problem: string) {
    return filterError(this.text, offset, problem);
  }
}

function readingOf(type: FieldType): Reading {
  switch (type.kind) {
    case "enum":
      return { type: "enum", zero: type.enum.values.find((value) => value.number === 0)?.name ?? "" };
    case "timestamp":
      return { type: "timestamp" };
    case "message":
      return { type: "message" };
    case "scalar":
      switch (type.scalar) {
        case "string":
        case "bytes":
          return { type: "string" };
        case "bool":
          return { type: "bool" };
        case "int64":
        case "uint64":
          return { type: "int64" };
        default:
          return { type: "number" };
      }
  }
}
