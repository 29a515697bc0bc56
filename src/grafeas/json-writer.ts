/**
 * @module grafeas/json-writer
 *
 * Writes a protobuf-es message as proto3 JSON text: the same text as
 * `toJsonString(schema, message, { registry })` with the default options
 * (canonical field names, enums by name, defaults omitted). protobuf-es first
 * builds a JSON value through its reflection API, a wrapper object per
 * message and an array per list, and then stringifies it; on the ingest path
 * that was a tenth of the CPU per stored occurrence. This writes the text in
 * one walk.
 *
 * Well-known types keep protobuf-es's own mapping (except Timestamp, which
 * every stored object carries twice): a field of a wrapper or Struct type (held
 * unboxed, or as a JSON object) and every other `google.protobuf.*` message is
 * rendered by `toJson`, and so is a message with unknown fields, which the
 * registry may resolve to extensions.
 */
import { create, isFieldSet, ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, Message, Registry } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

// google.protobuf.FeatureSet.FieldPresence.LEGACY_REQUIRED, as protobuf-es reads it.
const legacyRequired = 3;

const timestampType = "google.protobuf.Timestamp";
const isWellKnown = (schema: DescMessage) => schema.typeName.startsWith("google.protobuf.");

interface FieldPlan {
  readonly field: DescField;
  /** `"jsonName":` */
  readonly key: string;
  /** Rendered by protobuf-es (see the module comment). */
  readonly delegated: boolean;
  readonly required: boolean;
}

const plans = new WeakMap<DescMessage, readonly FieldPlan[]>();

/** Fields whose values protobuf-es does not hold as messages of their type. */
function heldUnboxed(field: DescField): boolean {
  const message = field.message;
  if (message === undefined) return false;
  if (message.typeName === "google.protobuf.Struct") return field.parent.typeName !== "google.protobuf.Value";
  return field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(message);
}

function planOf(schema: DescMessage): readonly FieldPlan[] {
  let plan = plans.get(schema);
  if (plan === undefined) {
    plan = schema.fields
      .concat()
      .sort((a, b) => a.number - b.number)
      .map((field) => ({
        field,
        key: `${JSON.stringify(field.jsonName)}:`,
        delegated: heldUnboxed(field),
        required: (field.presence as number) === legacyRequired,
      }));
    plans.set(schema, plan);
  }
  return plan;
}

function scalarJson(scalar: ScalarType, value: unknown): string {
  switch (scalar) {
    case ScalarType.STRING:
      return JSON.stringify(value);
    case ScalarType.BOOL:
      return value === true ? "true" : "false";
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const n = value as number;
      if (Number.isNaN(n)) return '"NaN"';
      if (n === Number.POSITIVE_INFINITY) return '"Infinity"';
      if (n === Number.NEGATIVE_INFINITY) return '"-Infinity"';
      return JSON.stringify(n);
    }
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return `"${(value as bigint | string).toString()}"`;
    case ScalarType.BYTES: {
      const bytes = value as Uint8Array;
      return `"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}"`;
    }
    default:
      return JSON.stringify(value);
  }
}

function enumJson(schema: DescEnum, value: number): string {
  if (schema.typeName === "google.protobuf.NullValue") return "null";
  const name = schema.value[value]?.name;
  return name === undefined ? JSON.stringify(value) : `"${name}"`;
}

/**
 * The last timestamp written: an object's createTime and updateTime are
 * usually one instant, and a batch's objects share a handful.
 */
let lastTimestamp: { seconds: bigint; nanos: number; json: string } | undefined;

function timestampJson(timestamp: Timestamp): string {
  const last = lastTimestamp;
  if (last !== undefined && last.seconds === timestamp.seconds && last.nanos === timestamp.nanos) return last.json;
  const json = rfc3339(timestamp);
  lastTimestamp = { seconds: timestamp.seconds, nanos: timestamp.nanos, json };
  return json;
}

/** protobuf-es's RFC 3339 form: `Z`, or 3, 6 or 9 fractional digits. */
function rfc3339(timestamp: Timestamp): string {
  const ms = Number(timestamp.seconds) * 1000;
  if (ms < -62135596800000 || ms > 253402300799000) {
    throw new Error(`cannot encode message ${timestamp.$typeName} to JSON: must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive`);
  }
  if (timestamp.nanos < 0) {
    throw new Error(`cannot encode message ${timestamp.$typeName} to JSON: nanos must not be negative`);
  }
  if (timestamp.nanos > 999999999) {
    throw new Error(`cannot encode message ${timestamp.$typeName} to JSON: nanos must not be greater than 99999999`);
  }
  let z = "Z";
  if (timestamp.nanos > 0) {
    const digits = (timestamp.nanos + 1000000000).toString().substring(1);
    if (digits.substring(3) === "000000") z = `.${digits.substring(0, 3)}Z`;
    else if (digits.substring(6) === "000") z = `.${digits.substring(0, 6)}Z`;
    else z = `.${digits}Z`;
  }
  return `"${new Date(ms).toISOString().replace(".000Z", z)}"`;
}

class JsonWriter {
  constructor(readonly registry: Registry) {}

  message(schema: DescMessage, message: Message): string {
    if (schema.typeName === timestampType) return timestampJson(message as Timestamp);
    if (isWellKnown(schema) || (message.$unknown !== undefined && message.$unknown.length > 0)) {
      return JSON.stringify(toJson(schema, message, { registry: this.registry }));
    }
    const fields = message as unknown as Record<string, unknown>;
    let out = "";
    for (const plan of planOf(schema)) {
      const field = plan.field;
      if (!isFieldSet(message, field)) {
        if (plan.required) throw new Error(`cannot encode ${field.toString()} to JSON: required field not set`);
        continue;
      }
      const value = field.oneof === undefined ? fields[field.localName] : (fields[field.oneof.localName] as { value: unknown }).value;
      // protobuf-es leaves out an empty list or map even where it counts as set.
      if (field.fieldKind === "list" && (value as readonly unknown[]).length === 0) continue;
      if (field.fieldKind === "map" && Object.keys(value as object).length === 0) continue;
      const json = plan.delegated ? this.delegated(field, value) : this.field(field, value);
      if (json === undefined) continue;
      out += out === "" ? `${plan.key}${json}` : `,${plan.key}${json}`;
    }
    return `{${out}}`;
  }

  /** One item of a list or one value of a map. */
  element(
    kind: "message" | "enum" | "scalar",
    message: DescMessage | undefined,
    schema: DescEnum | undefined,
    scalar: ScalarType | undefined,
    item: unknown,
  ): string {
    if (kind === "message") return this.message(message!, item as Message);
    if (kind === "enum") return enumJson(schema!, item as number);
    return scalarJson(scalar!, item);
  }

  field(field: DescField, value: unknown): string {
    switch (field.fieldKind) {
      case "scalar":
        return scalarJson(field.scalar, value);
      case "enum":
        return enumJson(field.enum, value as number);
      case "message":
        return this.message(field.message, value as Message);
      case "list": {
        const items = value as readonly unknown[];
        let out = "";
        for (const item of items) {
          const json = this.element(field.listKind, field.message, field.enum, field.scalar, item);
          out += out === "" ? json : `,${json}`;
        }
        return `[${out}]`;
      }
      case "map": {
        const map = value as Record<string, unknown>;
        let out = "";
        for (const key of Object.keys(map)) {
          const json = this.element(field.mapKind, field.message, field.enum, field.scalar, map[key]);
          out += `${out === "" ? "" : ","}${JSON.stringify(key)}:${json}`;
        }
        return `{${out}}`;
      }
    }
  }

  /** The field alone, rendered by protobuf-es in a message of its parent's type. */
  delegated(field: DescField, value: unknown): string | undefined {
    const holder = create(field.parent) as unknown as Record<string, unknown>;
    if (field.oneof !== undefined) holder[field.oneof.localName] = { case: field.localName, value };
    else holder[field.localName] = value;
    const json = toJson(field.parent, holder as unknown as Message, { registry: this.registry }) as Record<string, unknown>;
    const rendered = json[field.jsonName];
    return rendered === undefined ? undefined : JSON.stringify(rendered);
  }
}

const writers = new WeakMap<Registry, JsonWriter>();

/** `toJsonString(schema, message, { registry })`, written directly. */
export function writeJson(schema: DescMessage, message: Message, registry: Registry): string {
  let writer = writers.get(registry);
  if (writer === undefined) {
    writer = new JsonWriter(registry);
    writers.set(registry, writer);
  }
  return writer.message(schema, message);
}
