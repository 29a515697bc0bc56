/**
 * @module wire/testing/random-messages
 *
 * Random protobuf-es messages of any type, for tests that compare an encoder
 * with protobuf-es's own: every field kind (scalars of each type at their
 * edges, enums including unknown numbers, nested and repeated messages, maps,
 * oneofs, wrapper and Struct fields) set through protobuf-es's reflection API,
 * so the values sit in the messages exactly as protobuf-es holds them.
 * Seeded, so a failure reproduces.
 */
import { create, protoInt64, ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, Message, Registry } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";

/** google.protobuf.FeatureSet.FieldPresence.LEGACY_REQUIRED */
const legacyRequired = 3;


const strings = [
  "",
  "a",
  "openssl",
  "Grüße aus Köln",
  "日本語のテキスト",
  "emoji 🚀 and 𝄞",
  "quote \" backslash \\ newline \n tab \t nul \u0000",
  "x".repeat(130),
  "é".repeat(100),
  "projects/p/notes/CVE-2024-0001",
];

const int32s = [0, 1, -1, 127, 128, 16383, 16384, 2147483647, -2147483648, 300, -300];
const uint32s = [0, 1, 127, 128, 2 ** 21, 2 ** 28, 4294967295];
const int64s = [0n, 1n, -1n, 1700000000n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -123456789012n];
const uint64s = [0n, 1n, 1700000000n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n];
const doubles = [0, -0, 1.5, -2.25, 7.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, 5e-324, 0.1];
const floats = [0, -0, 1.5, -2.25, 3.4028234663852886e38, Number.NaN, Number.POSITIVE_INFINITY, 0.1];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomScalar(random: () => number, scalar: ScalarType, longAsString: boolean): unknown {
  const long = (value: bigint) => (longAsString ? value.toString() : value);
  switch (scalar) {
    case ScalarType.STRING:
      return pick(random, strings);
    case ScalarType.BYTES:
      return Uint8Array.from({ length: pick(random, [0, 1, 5, 200]) }, () => Math.floor(random() * 256));
    case ScalarType.BOOL:
      return random() < 0.5;
    case ScalarType.DOUBLE:
      return pick(random, doubles);
    case ScalarType.FLOAT:
      return Math.fround(pick(random, floats));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return pick(random, int32s);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return pick(random, uint32s);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return long(protoInt64.parse(pick(random, int64s)));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return long(protoInt64.uParse(pick(random, uint64s)));
  }
}

function randomMapKey(random: () => number, scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return pick(random, ["", "k", "10", "2", "ключ", "src/main.go"]);
    case ScalarType.BOOL:
      return random() < 0.5;
    default:
      return randomScalar(random, scalar, false);
  }
}

function randomEnum(random: () => number, field: DescField & { enum: DescEnum }): number {
  // Now and then a number an open (proto3) enum does not define.
  return field.enum.open && random() < 0.1 ? 77 : pick(random, field.enum.values).number;
}

export interface RandomMessageOptions {
  /** How deep nested messages go before fields of message type are left unset. */
  readonly maxDepth?: number;
  /** The chance that each field is set. */
  readonly fill?: number;
  /** The chance that a message gets an unknown field. */
  readonly unknown?: number;
}

/** A random message of `schema`. */
export function randomMessage(
  random: () => number,
  schema: DescMessage,
  options: RandomMessageOptions = {},
  depth = 0,
): Message {
  const { maxDepth = 4, fill = 0.6, unknown = 0 } = options;
  const r: ReflectMessage = reflect(schema, create(schema));
  const sub = (desc: DescMessage): ReflectMessage => reflect(desc, randomMessage(random, desc, options, depth + 1));
  for (const field of schema.fields) {
    // proto2's required fields (descriptor.proto has some) are always set.
    if (random() >= fill && (field.presence as number) !== legacyRequired) continue;
    if (depth >= maxDepth && field.message !== undefined) continue;
    switch (field.fieldKind) {
      case "scalar":
        r.set(field, randomScalar(random, field.scalar, field.longAsString));
        break;
      case "enum":
        r.set(field, randomEnum(random, field));
        break;
      case "message":
        r.set(field, sub(field.message));
        break;
      case "list": {
        const list = r.get(field);
        const count = Math.floor(random() * 3) + 1;
        for (let i = 0; i < count; i++) {
          if (field.listKind === "message") list.add(sub(field.message));
          else if (field.listKind === "enum") list.add(randomEnum(random, field));
          else list.add(randomScalar(random, field.scalar, field.longAsString));
        }
        break;
      }
      case "map": {
        const map = r.get(field);
        const count = Math.floor(random() * 3) + 1;
        for (let i = 0; i < count; i++) {
          const key = randomMapKey(random, field.mapKey);
          if (field.mapKind === "message") map.set(key, sub(field.message));
          else if (field.mapKind === "enum") map.set(key, randomEnum(random, field));
          else map.set(key, randomScalar(random, field.scalar, false));
        }
        break;
      }
    }
  }
  if (random() < unknown) {
    r.setUnknown([{ no: 9000 + Math.floor(random() * 100), wireType: 0, data: Uint8Array.of(0x96, 0x01) }]);
  }
  return r.message;
}

/** Every message type the registry holds. */
export function messageTypes(registry: Registry): DescMessage[] {
  const types: DescMessage[] = [];
  for (const type of registry) if (type.kind === "message") types.push(type);
  return types;
}
