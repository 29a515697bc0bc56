/**
 * @module wire/binary-encoder
 *
 * Encodes protobuf-es messages to the protobuf binary format, byte for byte
 * as `toBinary` does (fields in number order, packed repeated scalars, unknown
 * fields last, map entries with key and value), in two passes: the first
 * measures every length-delimited part, the second writes into one buffer of
 * the exact size. protobuf-es builds each nested message in a chunk of its own
 * and copies it into its parent when the message ends, so a field four levels
 * deep (an occurrence's package issue's version) is copied four times, with an
 * array and a reflection wrapper allocated per message on the way; encoding
 * gRPC replies of a thousand occurrences was the largest share of the ingest
 * path's CPU.
 *
 * The representation details of protobuf-es messages are followed as its
 * reflection API reads them: wrapper types (`google.protobuf.Int64Value`…) in
 * singular fields hold the bare value, and fields of `google.protobuf.Struct`
 * (outside `google.protobuf.Value`) hold a JSON object, which this encoder
 * hands to `toBinary` field by field rather than re-implementing the mapping.
 */
import { create, protoInt64, ScalarType, toBinary } from "@bufbuild/protobuf";
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { wireEndGroup, wireLengthDelimited, wireStartGroup, wireTypeOf, wireVarint } from "./wire-types.js";

// google.protobuf.FeatureSet.FieldPresence, as protobuf-es reads it.
const implicitPresence = 2;
const legacyRequired = 3;


/** How a field's value is held and written. */
const enum Shape {
  Scalar,
  Message,
  /** A singular wrapper-type field holding the bare value. */
  Wrapper,
  List,
  Map,
  /** Left to protobuf-es: see the module comment. */
  Opaque,
}

interface FieldPlan {
  readonly field: DescField;
  readonly localName: string;
  /** The oneof's property, when the field is a member of one. */
  readonly oneof: string | undefined;
  readonly implicit: boolean;
  readonly required: boolean;
  readonly shape: Shape;
  /** Scalar type of a scalar or enum field, list item, map value or wrapper's value. */
  readonly scalar: ScalarType;
  /** Whether a list or map holds messages. */
  readonly ofMessages: boolean;
  readonly mapKey: ScalarType;
  readonly packed: boolean;
  readonly delimited: boolean;
  /** The zero value of an enum field. */
  readonly enumZero: number;
  /** The tag of the field's values (length-delimited for packed lists and maps), and its encoded size. */
  readonly tag: number;
  readonly tagSize: number;
  /** The message of a message, wrapper, list or map field (the map's value). */
  readonly message: DescMessage | undefined;
}

interface MessagePlan {
  readonly schema: DescMessage;
  readonly fields: readonly FieldPlan[];
}

const plans = new WeakMap<DescMessage, MessagePlan>();

const tagOf = (number: number, wireType: number) => ((number << 3) | wireType) >>> 0;

function isStructOutsideValue(field: DescField, message: DescMessage | undefined): boolean {
  return message?.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value";
}

function fieldPlan(field: DescField): FieldPlan {
  let shape: Shape;
  let scalar = ScalarType.INT32;
  let ofMessages = false;
  let mapKey = ScalarType.STRING;
  let packed = false;
  let delimited = false;
  let enumZero = 0;
  let message: DescMessage | undefined;
  let wireType: number;
  switch (field.fieldKind) {
    case "scalar":
      shape = Shape.Scalar;
      scalar = field.scalar;
      wireType = wireTypeOf(scalar);
      break;
    case "enum":
      shape = Shape.Scalar;
      enumZero = field.enum.values[0]?.number ?? 0;
      wireType = wireVarint;
      break;
    case "message":
      message = field.message;
      delimited = field.delimitedEncoding;
      shape = isWrapperDesc(message) && field.oneof === undefined ? Shape.Wrapper : Shape.Message;
      if (shape === Shape.Wrapper) scalar = (message.fields[0] as DescField & { scalar: ScalarType }).scalar;
      wireType = delimited ? wireStartGroup : wireLengthDelimited;
      break;
    case "list":
      shape = Shape.List;
      if (field.listKind === "message") {
        ofMessages = true;
        message = field.message;
        delimited = field.delimitedEncoding;
        wireType = delimited ? wireStartGroup : wireLengthDelimited;
      } else {
        scalar = field.listKind === "scalar" ? field.scalar : ScalarType.INT32;
        packed = field.packed;
        wireType = packed ? wireLengthDelimited : wireTypeOf(scalar);
      }
      break;
    case "map":
      shape = Shape.Map;
      mapKey = field.mapKey;
      if (field.mapKind === "message") {
        ofMessages = true;
        message = field.message;
      } else {
        scalar = field.mapKind === "scalar" ? field.scalar : ScalarType.INT32;
      }
      wireType = wireLengthDelimited;
      break;
  }
  if (isStructOutsideValue(field, message)) shape = Shape.Opaque;
  const tag = tagOf(field.number, wireType);
  return {
    field,
    localName: field.localName,
    oneof: field.oneof?.localName,
    implicit: (field.presence as number) === implicitPresence,
    required: (field.presence as number) === legacyRequired,
    shape,
    scalar,
    ofMessages,
    mapKey,
    packed,
    delimited,
    enumZero,
    tag,
    tagSize: varint32Size(tag),
    message,
  };
}

function planOf(schema: DescMessage): MessagePlan {
  let plan = plans.get(schema);
  if (plan === undefined) {
    const fields = schema.fields
      .concat()
      .sort((a, b) => a.number - b.number)
      .map(fieldPlan);
    plan = { schema, fields };
    plans.set(schema, plan);
  }
  return plan;
}

// ---- Varints -----------------------------------------------------------------

function varint32Size(value: number): number {
  if (value < 0) return 10; // a negative int32 is sign-extended to 64 bits
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo >>> 0);
  if (hi < 0) return 10;
  const bits = 64 - Math.clz32(hi);
  return Math.ceil(bits / 7);
}

/** The two 32-bit halves of the last 64-bit value split (no allocation per value). */
let splitLo = 0;
let splitHi = 0;

function splitInt64(value: unknown, unsigned: boolean): void {
  if (typeof value === "bigint" && value >= 0n && value <= 0xffffffffn) {
    splitLo = Number(value);
    splitHi = 0;
    return;
  }
  const parts = unsigned
    ? protoInt64.uEnc(value as bigint | string | number)
    : protoInt64.enc(value as bigint | string | number);
  splitLo = parts.lo;
  splitHi = parts.hi;
}

function zigzag64(): void {
  const sign = splitHi >> 31;
  const lo = (splitLo << 1) ^ sign;
  splitHi = ((splitHi << 1) | (splitLo >>> 31)) ^ sign;
  splitLo = lo;
}

// ---- Value checks, as protobuf-es makes them ---------------------------------

function checkInt32(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > 0x7fffffff || value < -0x80000000) {
    throw new Error(`invalid int32: ${String(value)}`);
  }
  return value;
}

function checkUint32(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > 0xffffffff || value < 0) {
    throw new Error(`invalid uint32: ${String(value)}`);
  }
  return value;
}

function checkFloat32(value: unknown): number {
  if (typeof value !== "number") throw new Error(`invalid float32: ${typeof value}`);
  if (Number.isFinite(value) && (value > 3.4028234663852886e38 || value < -3.4028234663852886e38)) {
    throw new Error(`invalid float32: ${value}`);
  }
  return value;
}

// ---- Presence ----------------------------------------------------------------

function isScalarZero(scalar: ScalarType, value: unknown): boolean {
  switch (scalar) {
    case ScalarType.BOOL:
      return value === false;
    case ScalarType.STRING:
      return value === "";
    case ScalarType.BYTES:
      return value instanceof Uint8Array && value.byteLength === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return Object.is(value, 0);
    default:
      // eslint-disable-next-line eqeqeq -- protobuf-es's own test: 0, 0n and "0" are all zero
      return value == 0;
  }
}

/** The field's value when protobuf-es would write it, else undefined. */
function setValue(plan: FieldPlan, message: Record<string, unknown>): unknown {
  if (plan.oneof !== undefined) {
    const selected = message[plan.oneof] as { case: string | undefined; value?: unknown };
    return selected.case === plan.localName ? selected.value : undefined;
  }
  const value = message[plan.localName];
  if (!plan.implicit) {
    return value !== undefined && Object.hasOwn(message, plan.localName) ? value : undefined;
  }
  switch (plan.shape) {
    case Shape.List:
      return (value as readonly unknown[]).length > 0 ? value : undefined;
    case Shape.Map:
    case Shape.Opaque:
      for (const _ in value as object) return value;
      return undefined;
    default:
      if (plan.field.fieldKind === "enum") return value !== plan.enumZero ? value : undefined;
      return isScalarZero(plan.scalar, value) ? undefined : value;
  }
}

/** A map key as protobuf-es turns the property name back into the key's type. */
function mapKeyValue(scalar: ScalarType, key: string): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return key;
    case ScalarType.BOOL:
      return key === "true" ? true : key === "false" ? false : key;
    case ScalarType.INT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32: {
      const n = Number.parseInt(key);
      return Number.isFinite(n) ? n : key;
    }
    default:
      return key;
  }
}

// ---- Pass 1: sizes -------------------------------------------------------------

/**
 * What the first pass leaves for the second, in the order the second will
 * need it: the byte length of every string and length-delimited part, and the
 * bytes of each opaque field.
 */
interface Measured {
  readonly lengths: number[];
  readonly opaque: Uint8Array[];
}

function scalarSize(scalar: ScalarType, value: unknown, m: Measured): number {
  switch (scalar) {
    case ScalarType.STRING: {
      const length = Buffer.byteLength(value as string, "utf8");
      m.lengths.push(length);
      return varint32Size(length) + length;
    }
    case ScalarType.BYTES: {
      const length = (value as Uint8Array).byteLength;
      return varint32Size(length) + length;
    }
    case ScalarType.BOOL:
      return 1;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 8;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return 4;
    case ScalarType.INT32:
      return varint32Size(checkInt32(value));
    case ScalarType.UINT32:
      return varint32Size(checkUint32(value));
    case ScalarType.SINT32: {
      const n = checkInt32(value);
      return varint32Size(((n << 1) ^ (n >> 31)) >>> 0);
    }
    case ScalarType.INT64:
      splitInt64(value, false);
      return varint64Size(splitLo, splitHi);
    case ScalarType.UINT64:
      splitInt64(value, true);
      return varint64Size(splitLo, splitHi);
    case ScalarType.SINT64:
      splitInt64(value, false);
      zigzag64();
      return varint64Size(splitLo, splitHi);
  }
}

/** Size of a nested message's body; its length is recorded before the lengths inside it. */
function nestedSize(schema: DescMessage, value: Message, m: Measured): number {
  const slot = m.lengths.length;
  m.lengths.push(0);
  const size = messageSize(planOf(schema), value, m);
  m.lengths[slot] = size;
  return size;
}

function wrapperBodySize(plan: FieldPlan, value: unknown, m: Measured): number {
  return isScalarZero(plan.scalar, value) ? 0 : 1 + scalarSize(plan.scalar, value, m);
}

function messageFieldSize(plan: FieldPlan, schema: DescMessage, value: Message, m: Measured): number {
  if (plan.delimited) return 2 * plan.tagSize + messageSize(planOf(schema), value, m);
  const size = nestedSize(schema, value, m);
  return plan.tagSize + varint32Size(size) + size;
}

function fieldSize(plan: FieldPlan, value: unknown, m: Measured): number {
  switch (plan.shape) {
    case Shape.Scalar:
      return plan.tagSize + scalarSize(plan.field.fieldKind === "enum" ? ScalarType.INT32 : plan.scalar, value, m);
    case Shape.Message:
      return messageFieldSize(plan, plan.message!, value as Message, m);
    case Shape.Wrapper: {
      if (typeof value === "object") return messageFieldSize(plan, plan.message!, value as Message, m);
      const slot = m.lengths.length;
      m.lengths.push(0);
      const size = wrapperBodySize(plan, value, m);
      m.lengths[slot] = size;
      return plan.tagSize + varint32Size(size) + size;
    }
    case Shape.List:
      return listSize(plan, value as readonly unknown[], m);
    case Shape.Map:
      return mapSize(plan, value as Record<string, unknown>, m);
    case Shape.Opaque: {
      const bytes = opaqueBytes(plan, value);
      m.opaque.push(bytes);
      return bytes.byteLength;
    }
  }
}

function listSize(plan: FieldPlan, list: readonly unknown[], m: Measured): number {
  let size = 0;
  if (plan.ofMessages) {
    for (const item of list) size += messageFieldSize(plan, plan.message!, item as Message, m);
    return size;
  }
  if (plan.packed) {
    if (list.length === 0) return 0;
    const slot = m.lengths.length;
    m.lengths.push(0);
    for (const item of list) size += scalarSize(plan.scalar, item, m);
    m.lengths[slot] = size;
    return plan.tagSize + varint32Size(size) + size;
  }
  for (const item of list) size += plan.tagSize + scalarSize(plan.scalar, item, m);
  return size;
}

function mapSize(plan: FieldPlan, map: Record<string, unknown>, m: Measured): number {
  let size = 0;
  for (const key of Object.keys(map)) {
    const value = map[key];
    const slot = m.lengths.length;
    m.lengths.push(0);
    let entry = 1 + scalarSize(plan.mapKey, mapKeyValue(plan.mapKey, key), m);
    if (plan.ofMessages) {
      const body = nestedSize(plan.message!, value as Message, m);
      entry += 1 + varint32Size(body) + body;
    } else {
      entry += 1 + scalarSize(plan.scalar, value, m);
    }
    m.lengths[slot] = entry;
    size += plan.tagSize + varint32Size(entry) + entry;
  }
  return size;
}

function messageSize(plan: MessagePlan, message: Message, m: Measured): number {
  const fields = message as unknown as Record<string, unknown>;
  let size = 0;
  for (const field of plan.fields) {
    const value = setValue(field, fields);
    if (value === undefined) {
      if (field.required) throw new Error(`cannot encode ${field.field.toString()} to binary: required field not set`);
      continue;
    }
    size += fieldSize(field, value, m);
  }
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    for (const { no, wireType, data } of unknown) size += varint32Size(tagOf(no, wireType)) + data.byteLength;
  }
  return size;
}

/** The field alone, encoded by protobuf-es (tag included). */
function opaqueBytes(plan: FieldPlan, value: unknown): Uint8Array {
  const parent = plan.field.parent;
  const holder = create(parent) as unknown as Record<string, unknown>;
  if (plan.oneof !== undefined) holder[plan.oneof] = { case: plan.localName, value };
  else holder[plan.localName] = value;
  return toBinary(parent, holder as unknown as Message, { writeUnknownFields: false });
}

// ---- Pass 2: bytes -------------------------------------------------------------

class Writer {
  pos = 0;
  #length = 0;
  #opaque = 0;
  readonly view: DataView;

  constructor(
    readonly buf: Buffer,
    readonly measured: Measured,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  nextLength(): number {
    return this.measured.lengths[this.#length++]!;
  }

  nextOpaque(): Uint8Array {
    return this.measured.opaque[this.#opaque++]!;
  }

  varint32(value: number): void {
    if (value < 0) {
      this.varint64(value, -1);
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  varint64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }
}

function writeScalar(w: Writer, scalar: ScalarType, value: unknown): void {
  switch (scalar) {
    case ScalarType.STRING: {
      const length = w.nextLength();
      w.varint32(length);
      if (length > 0) w.buf.write(value as string, w.pos, length, "utf8");
      w.pos += length;
      return;
    }
    case ScalarType.BYTES: {
      const bytes = value as Uint8Array;
      w.varint32(bytes.byteLength);
      w.raw(bytes);
      return;
    }
    case ScalarType.BOOL:
      w.buf[w.pos++] = value ? 1 : 0;
      return;
    case ScalarType.DOUBLE:
      w.view.setFloat64(w.pos, value as number, true);
      w.pos += 8;
      return;
    case ScalarType.FLOAT:
      w.view.setFloat32(w.pos, checkFloat32(value), true);
      w.pos += 4;
      return;
    case ScalarType.FIXED32:
      w.view.setUint32(w.pos, checkUint32(value), true);
      w.pos += 4;
      return;
    case ScalarType.SFIXED32:
      w.view.setInt32(w.pos, checkInt32(value), true);
      w.pos += 4;
      return;
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      splitInt64(value, scalar === ScalarType.FIXED64);
      w.view.setInt32(w.pos, splitLo, true);
      w.view.setInt32(w.pos + 4, splitHi, true);
      w.pos += 8;
      return;
    case ScalarType.INT32:
      w.varint32(value as number);
      return;
    case ScalarType.UINT32:
      w.varint32(value as number);
      return;
    case ScalarType.SINT32: {
      const n = value as number;
      w.varint32(((n << 1) ^ (n >> 31)) >>> 0);
      return;
    }
    case ScalarType.INT64:
      splitInt64(value, false);
      w.varint64(splitLo, splitHi);
      return;
    case ScalarType.UINT64:
      splitInt64(value, true);
      w.varint64(splitLo, splitHi);
      return;
    case ScalarType.SINT64:
      splitInt64(value, false);
      zigzag64();
      w.varint64(splitLo, splitHi);
      return;
  }
}

function writeMessageField(w: Writer, plan: FieldPlan, schema: DescMessage, value: Message): void {
  w.varint32(plan.tag);
  if (plan.delimited) {
    writeMessage(w, planOf(schema), value);
    w.varint32(tagOf(plan.field.number, wireEndGroup));
    return;
  }
  w.varint32(w.nextLength());
  writeMessage(w, planOf(schema), value);
}

function writeField(w: Writer, plan: FieldPlan, value: unknown): void {
  switch (plan.shape) {
    case Shape.Scalar:
      w.varint32(plan.tag);
      writeScalar(w, plan.field.fieldKind === "enum" ? ScalarType.INT32 : plan.scalar, value);
      return;
    case Shape.Message:
      writeMessageField(w, plan, plan.message!, value as Message);
      return;
    case Shape.Wrapper:
      if (typeof value === "object") {
        writeMessageField(w, plan, plan.message!, value as Message);
        return;
      }
      w.varint32(plan.tag);
      w.varint32(w.nextLength());
      if (!isScalarZero(plan.scalar, value)) {
        w.varint32(tagOf(1, wireTypeOf(plan.scalar)));
        writeScalar(w, plan.scalar, value);
      }
      return;
    case Shape.List:
      writeList(w, plan, value as readonly unknown[]);
      return;
    case Shape.Map:
      writeMap(w, plan, value as Record<string, unknown>);
      return;
    case Shape.Opaque:
      w.raw(w.nextOpaque());
      return;
  }
}

function writeList(w: Writer, plan: FieldPlan, list: readonly unknown[]): void {
  if (plan.ofMessages) {
    for (const item of list) writeMessageField(w, plan, plan.message!, item as Message);
    return;
  }
  if (plan.packed) {
    if (list.length === 0) return;
    w.varint32(plan.tag);
    w.varint32(w.nextLength());
    for (const item of list) writeScalar(w, plan.scalar, item);
    return;
  }
  for (const item of list) {
    w.varint32(plan.tag);
    writeScalar(w, plan.scalar, item);
  }
}

function writeMap(w: Writer, plan: FieldPlan, map: Record<string, unknown>): void {
  const keyTag = tagOf(1, wireTypeOf(plan.mapKey));
  for (const key of Object.keys(map)) {
    const value = map[key];
    w.varint32(plan.tag);
    w.varint32(w.nextLength());
    w.varint32(keyTag);
    writeScalar(w, plan.mapKey, mapKeyValue(plan.mapKey, key));
    if (plan.ofMessages) {
      w.varint32(tagOf(2, wireLengthDelimited));
      w.varint32(w.nextLength());
      writeMessage(w, planOf(plan.message!), value as Message);
    } else {
      w.varint32(tagOf(2, wireTypeOf(plan.scalar)));
      writeScalar(w, plan.scalar, value);
    }
  }
}

function writeMessage(w: Writer, plan: MessagePlan, message: Message): void {
  const fields = message as unknown as Record<string, unknown>;
  for (const field of plan.fields) {
    const value = setValue(field, fields);
    if (value !== undefined) writeField(w, field, value);
  }
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    for (const { no, wireType, data } of unknown) {
      w.varint32(tagOf(no, wireType));
      w.raw(data);
    }
  }
}

/**
 * `message` in the protobuf binary format: the same bytes as
 * `toBinary(schema, message)`, in a Buffer of exactly that size.
 */
export function encodeBinary(schema: DescMessage, message: Message): Buffer {
  const measured: Measured = { lengths: [], opaque: [] };
  const size = messageSize(planOf(schema), message, measured);
  const writer = new Writer(Buffer.allocUnsafe(size), measured);
  writeMessage(writer, planOf(schema), message);
  if (writer.pos !== size) throw new Error(`encoded ${writer.pos} bytes of ${schema.typeName}, measured ${size}`);
  return writer.buf;
}
