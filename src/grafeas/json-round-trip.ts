/**
 * @module grafeas/json-round-trip
 *
 * Whether a message encodes to the same protobuf binary as its canonical
 * proto3 JSON parsed back. A gRPC reply to a write may then encode the message
 * the service has just stored instead of parsing the stored JSON again, and
 * the client still gets exactly the bytes a later Get would give it.
 *
 * proto3 JSON keeps everything the binary form carries except:
 * - unknown fields (kept by a binary decode, dropped by JSON);
 * - `google.protobuf.Any`, whose packed bytes come back re-encoded from the
 *   unpacked message, not as the client sent them;
 * - a negative zero or NaN payload of a float or double (JSON writes -0 as 0;
 *   binary keeps the bits wherever it writes the value).
 * A message holding none of these, at any depth, gives the same bytes either
 * way. The check reads only the fields that could hold one (messages, floats
 * and doubles), so it costs little beside an encode.
 */
import { ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";

const anyTypeName = "google.protobuf.Any";

const isFloating = (scalar: ScalarType) => scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT;

/** -0 and NaN: the float values whose bits JSON does not keep. */
const isLossyNumber = (value: unknown) => Object.is(value, -0) || Number.isNaN(value);

const watched = new WeakMap<DescMessage, readonly DescField[]>();

/** The fields of `schema` that may hold something JSON loses: messages, floats and doubles. */
function watchedFields(schema: DescMessage): readonly DescField[] {
  let fields = watched.get(schema);
  if (fields === undefined) {
    fields = schema.fields.filter((field) => {
      switch (field.fieldKind) {
        case "message":
          return true;
        case "scalar":
          return isFloating(field.scalar);
        case "list":
          return field.listKind === "message" || (field.listKind === "scalar" && isFloating(field.scalar));
        case "map":
          return field.mapKind === "message" || (field.mapKind === "scalar" && isFloating(field.scalar));
        default:
          return false;
      }
    });
    watched.set(schema, fields);
  }
  return fields;
}

function valueOf(field: DescField, message: Record<string, unknown>): unknown {
  if (field.oneof === undefined) return message[field.localName];
  const selected = message[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return selected?.case === field.localName ? selected.value : undefined;
}

/** The message field's value as a message; wrapper fields (`DoubleValue`…) hold a bare value, which JSON keeps. */
function nestedKeeps(schema: DescMessage, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  return encodesLikeItsJson(schema, value as Message);
}

/** Whether `toBinary(message)` equals `toBinary(fromJson(toJson(message)))` for `schema`. */
export function encodesLikeItsJson(schema: DescMessage, message: Message): boolean {
  if (schema.typeName === anyTypeName) return false;
  if (message.$unknown !== undefined && message.$unknown.length > 0) return false;
  const fields = message as unknown as Record<string, unknown>;
  for (const field of watchedFields(schema)) {
    const value = valueOf(field, fields);
    if (value === undefined) continue;
    switch (field.fieldKind) {
      case "message":
        if (!nestedKeeps(field.message, value)) return false;
        break;
      case "scalar":
        if (isLossyNumber(value)) return false;
        break;
      case "list":
        for (const item of value as readonly unknown[]) {
          if (field.listKind === "message" ? !nestedKeeps(field.message, item) : isLossyNumber(item)) return false;
        }
        break;
      case "map":
        for (const item of Object.values(value as Record<string, unknown>)) {
          if (field.mapKind === "message" ? !nestedKeeps(field.message, item) : isLossyNumber(item)) return false;
        }
        break;
      default:
        break;
    }
  }
  return true;
}
