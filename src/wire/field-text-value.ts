/**
 * @module wire/field-text-value
 *
 * Converts text from a URL (a query parameter or a path variable) into the
 * proto3 JSON value of a request field, so that one `fromJson` call builds the
 * whole request. Each value is checked here, where the message can still say
 * which parameter was wrong: `pageSize=abc` is INVALID_ARGUMENT naming
 * `pageSize`, not a JSON decoding error about an unnamed field.
 */
import { fromJson, ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, JsonValue } from "@bufbuild/protobuf";
import { invalidArgument } from "../errors.js";

const fieldMaps = new WeakMap<DescMessage, Map<string, DescField>>();

/** The field of `message` called `name`, by its proto name (`page_size`) or JSON name (`pageSize`). */
export function fieldNamed(message: DescMessage, name: string): DescField | undefined {
  let fields = fieldMaps.get(message);
  if (fields === undefined) {
    fields = new Map();
    for (const field of message.fields) {
      fields.set(field.name, field);
      fields.set(field.jsonName, field);
    }
    fieldMaps.set(message, fields);
  }
  return fields.get(name);
}

export const fieldMaskTypeName = "google.protobuf.FieldMask";

const textWellKnownTypes = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);
const wrapperTypes = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map(
    (name) => `google.protobuf.${name}Value`,
  ),
);

const integerText = /^-?[0-9]+$/;
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;

const int32Range = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const uint32Range = [0n, 2n ** 32n - 1n] as const;
const int64Range = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const uint64Range = [0n, 2n ** 64n - 1n] as const;

/** Where a text value came from, for error messages: `query parameter "pageSize"`. */
export interface TextSource {
  readonly kind: "query parameter" | "path variable";
  /** The name as the client wrote it; also the violation's field. */
  readonly name: string;
}

function bad(label: TextSource, text: string, expected: string) {
  return invalidArgument(`${label.kind} "${label.name}" must be ${expected}, got "${text}"`, [
    { field: label.name, description: `must be ${expected}` },
  ]);
}

function notText(label: TextSource, what: string) {
  return invalidArgument(`${label.kind} "${label.name}" names a ${what} field, which cannot be set from text`, [
    { field: label.name, description: `is a ${what} field` },
  ]);
}

function integer(text: string, label: TextSource, range: readonly [bigint, bigint], expected: string): bigint {
  if (!integerText.test(text)) throw bad(label, text, expected);
  const value = BigInt(text);
  if (value < range[0] || value > range[1]) throw bad(label, text, expected);
  return value;
}

function scalarFromText(scalar: ScalarType, text: string, label: TextSource): JsonValue {
  switch (scalar) {
    case ScalarType.STRING:
      return text;
    case ScalarType.BOOL: {
      const lower = text.toLowerCase();
      if (lower === "true" || text === "1") return true;
      if (lower === "false" || text === "0") return false;
      throw bad(label, text, "true or false");
    }
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return Number(integer(text, label, int32Range, "a 32-bit integer"));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return Number(integer(text, label, uint32Range, "an unsigned 32-bit integer"));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return integer(text, label, int64Range, "a 64-bit integer").toString();
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return integer(text, label, uint64Range, "an unsigned 64-bit integer").toString();
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      if (text === "NaN" || text === "Infinity" || text === "-Infinity") return text;
      const value = Number(text);
      if (text.trim() === "" || text.trim() !== text || !Number.isFinite(value)) throw bad(label, text, "a number");
      return value;
    }
    case ScalarType.BYTES:
      if (!base64Text.test(text)) throw bad(label, text, "base64");
      return text;
  }
}

function enumFromText(desc: DescEnum, text: string, label: TextSource): JsonValue {
  if (integerText.test(text)) return Number(integer(text, label, int32Range, `a ${desc.name} value`));
  if (desc.values.some((value) => value.name === text)) return text;
  throw bad(label, text, `a ${desc.name} value`);
}

function messageFromText(desc: DescMessage, text: string, label: TextSource): JsonValue {
  if (textWellKnownTypes.has(desc.typeName)) {
    try {
      fromJson(desc, text);
    } catch {
      throw bad(label, text, desc.typeName === "google.protobuf.Timestamp" ? "an RFC 3339 time" : "a duration like 3.5s");
    }
    return text;
  }
  const wrapped = desc.fields[0];
  if (wrapperTypes.has(desc.typeName) && wrapped?.fieldKind === "scalar") {
    return scalarFromText(wrapped.scalar, text, label);
  }
  throw notText(label, "message");
}

/**
 * The JSON value for `text` bound to `field` (for a repeated field, the value
 * of one element). `label` names the source in errors.
 */
export function jsonValueFromText(field: DescField, text: string, label: TextSource): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFromText(field.scalar, text, label);
    case "enum":
      return enumFromText(field.enum, text, label);
    case "message":
      return messageFromText(field.message, text, label);
    case "list":
      if (field.listKind === "scalar") return scalarFromText(field.scalar, text, label);
      if (field.listKind === "enum") return enumFromText(field.enum, text, label);
      return messageFromText(field.message, text, label);
    case "map":
      throw notText(label, "map");
  }
}

/** `shortDescription` → `short_description`; snake_case paths stay as they are. */
export function toProtoFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
