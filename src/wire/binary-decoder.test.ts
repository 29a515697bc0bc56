import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, ScalarType, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { BatchCreateNotesRequestSchema, BatchCreateOccurrencesRequestSchema, OccurrenceSchema, type Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../grafeas/proto-json.js";
import { decodeBinary, decodeCommon } from "./binary-decoder.js";
import { messageTypes, randomMessage } from "./testing/random-messages.js";
import { scannerOccurrences } from "./testing/scanner-occurrences.js";
import { seededRandom } from "../testing/seeded-random.js";

/** decodeBinary gives fromBinary's message, or throws where fromBinary throws. */
function assertDecodesAlike(schema: DescMessage, bytes: Uint8Array, what: string): void {
  let expected;
  try {
    expected = fromBinary(schema, bytes);
  } catch {
    assert.throws(() => decodeBinary(schema, bytes), Error, `${what}: fromBinary refused it`);
    return;
  }
  assert.deepStrictEqual(decodeBinary(schema, bytes), expected, what);
}

/** A BatchCreateOccurrences request like a scanner's: vulnerabilities and attestations, with non-ASCII text. */
function scannerBatch() {
  return create(BatchCreateOccurrencesRequestSchema, { parent: "projects/bench", occurrences: scannerOccurrences() });
}

describe("decodeBinary", () => {
  test("a scanner's BatchCreateOccurrences request is decoded here, to fromBinary's message", () => {
    const bytes = toBinary(BatchCreateOccurrencesRequestSchema, scannerBatch());
    const decoded = decodeCommon(BatchCreateOccurrencesRequestSchema, bytes);
    assert.ok(decoded !== undefined, "left to protobuf-es");
    assert.deepStrictEqual(decoded, fromBinary(BatchCreateOccurrencesRequestSchema, bytes));
  });

  test("unknown fields are kept, in order, at any depth", () => {
    const bytes = toBinary(BatchCreateOccurrencesRequestSchema, scannerBatch());
    // Field 999 (varint 1) and field 1000 (length-delimited "hi") at the end of the request.
    const withUnknown = new Uint8Array([...bytes, 0xb8, 0x3e, 0x01, 0xc2, 0x3e, 0x02, 0x68, 0x69]);
    const decoded = decodeCommon(BatchCreateOccurrencesRequestSchema, withUnknown);
    assert.ok(decoded !== undefined);
    assert.deepStrictEqual(decoded, fromBinary(BatchCreateOccurrencesRequestSchema, withUnknown));
    assert.equal(decoded.$unknown?.length, 2);
    const random = seededRandom(5);
    for (let n = 0; n < 50; n++) {
      const occurrence = randomMessage(random, OccurrenceSchema, { unknown: 0.3 }) as Occurrence;
      assertDecodesAlike(OccurrenceSchema, toBinary(OccurrenceSchema, occurrence), `occurrence ${n}`);
    }
  });

  test("gives fromBinary's message for random messages of every type the grafeas.v1 files reach", () => {
    const random = seededRandom(6);
    let common = 0;
    let all = 0;
    for (const schema of messageTypes(grafeasRegistry)) {
      assertDecodesAlike(schema, new Uint8Array(0), `${schema.typeName} empty`);
      for (let n = 0; n < 6; n++) {
        const bytes = toBinary(schema, randomMessage(random, schema, { unknown: 0.1 }));
        assertDecodesAlike(schema, bytes, `${schema.typeName} #${n}`);
        all++;
        if (decodeCommon(schema, bytes) !== undefined) common++;
      }
    }
    // Most are decoded here; wrapper, Struct and proto2 fields go to protobuf-es.
    assert.ok(common > all / 2, `${common} of ${all} decoded here`);
  });

  test("a message field that comes twice is merged, a repeated one appended, a scalar overwritten", () => {
    const random = seededRandom(7);
    for (let n = 0; n < 100; n++) {
      const a = toBinary(OccurrenceSchema, randomMessage(random, OccurrenceSchema, { fill: 0.7 }) as Occurrence);
      const b = toBinary(OccurrenceSchema, randomMessage(random, OccurrenceSchema, { fill: 0.7 }) as Occurrence);
      assertDecodesAlike(OccurrenceSchema, new Uint8Array([...a, ...b]), `concatenation ${n}`);
    }
  });

  test("repeated numbers, packed or not", () => {
    let checked = 0;
    for (const schema of messageTypes(grafeasRegistry)) {
      for (const field of schema.fields) {
        if (field.fieldKind !== "list" || field.listKind === "message") continue;
        if (field.listKind === "scalar" && (field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES)) continue;
        if (field.listKind === "scalar" && field.scalar !== ScalarType.INT32 && field.scalar !== ScalarType.UINT32) continue;
        const tag = (wireType: number) => new BinaryWriter().tag(field.number, wireType).finish();
        const unpacked = [1, 2, 300].flatMap((n) => [...tag(0), ...new BinaryWriter().uint32(n).finish()]);
        const packedBody = new BinaryWriter().uint32(1).uint32(2).uint32(300).finish();
        const packed = [...tag(2), packedBody.length, ...packedBody];
        assertDecodesAlike(schema, new Uint8Array(unpacked), `${field.toString()} unpacked`);
        assertDecodesAlike(schema, new Uint8Array(packed), `${field.toString()} packed`);
        assertDecodesAlike(schema, new Uint8Array([...packed, ...unpacked]), `${field.toString()} both`);
        checked++;
      }
    }
    assert.ok(checked > 0);
  });

  test("a map of notes", () => {
    const notes = create(BatchCreateNotesRequestSchema, {
      parent: "projects/p",
      notes: { b: { shortDescription: "ä" }, a: { shortDescription: "x" }, "10": {} },
    });
    const bytes = toBinary(BatchCreateNotesRequestSchema, notes);
    assert.ok(decodeCommon(BatchCreateNotesRequestSchema, bytes) !== undefined);
    assertDecodesAlike(BatchCreateNotesRequestSchema, bytes, "notes");
  });

  test("truncated and corrupted input is refused, or read, as fromBinary does", () => {
    const bytes = toBinary(BatchCreateOccurrencesRequestSchema, scannerBatch());
    for (let cut = 0; cut < bytes.length; cut += 7) {
      assertDecodesAlike(BatchCreateOccurrencesRequestSchema, bytes.subarray(0, cut), `cut at ${cut}`);
    }
    const random = seededRandom(8);
    for (let n = 0; n < 300; n++) {
      const corrupted = Uint8Array.from(bytes);
      corrupted[Math.floor(random() * corrupted.length)] = Math.floor(random() * 256);
      assertDecodesAlike(BatchCreateOccurrencesRequestSchema, corrupted, `corruption ${n}`);
    }
  });

  test("invalid UTF-8 and a leading BOM are left to protobuf-es", () => {
    const occurrence = (resourceUri: Uint8Array) =>
      new Uint8Array([0x12, resourceUri.length, ...resourceUri]); // field 2, resource_uri
    const invalid = occurrence(new Uint8Array([0x61, 0xc3, 0x28]));
    assert.throws(() => fromBinary(OccurrenceSchema, invalid));
    assert.throws(() => decodeBinary(OccurrenceSchema, invalid));
    const bom = occurrence(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa4]));
    assert.equal(decodeCommon(OccurrenceSchema, bom), undefined);
    assertDecodesAlike(OccurrenceSchema, bom, "bom");
  });
});
