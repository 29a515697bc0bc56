import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { StructSchema, timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { BatchCreateOccurrencesResponseSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../grafeas/proto-json.js";
import { encodeBinary } from "./binary-encoder.js";
import { messageTypes, randomMessage } from "./testing/random-messages.js";
import { seededRandom } from "../testing/seeded-random.js";

function assertSameBytes(schema: DescMessage, message: Message, what: string): void {
  const expected = toBinary(schema, message);
  const actual = encodeBinary(schema, message);
  assert.ok(Buffer.from(expected).equals(actual), `${what}: ${Buffer.from(actual).toString("hex")} ≠ ${Buffer.from(expected).toString("hex")}`);
}

describe("encodeBinary", () => {
  const types = messageTypes(grafeasRegistry);

  test("gives toBinary's bytes for random messages of every type the grafeas.v1 files reach", () => {
    assert.ok(types.length > 100, `only ${types.length} message types`);
    const random = seededRandom(1);
    for (const schema of types) {
      for (let n = 0; n < 6; n++) {
        const message = randomMessage(random, schema, { unknown: 0.2 });
        assertSameBytes(schema, message, `${schema.typeName} #${n}`);
        // And as a decoder hands it over (what the gRPC edge sees).
        assertSameBytes(schema, fromBinary(schema, toBinary(schema, message)), `${schema.typeName} #${n} decoded`);
      }
    }
  });

  test("gives toBinary's bytes for deep occurrences and a whole batch reply", () => {
    const random = seededRandom(2);
    const occurrences = Array.from({ length: 200 }, () =>
      randomMessage(random, OccurrenceSchema, { maxDepth: 7, fill: 0.8 }),
    );
    for (const [i, occurrence] of occurrences.entries()) assertSameBytes(OccurrenceSchema, occurrence, `occurrence ${i}`);
    const reply = create(BatchCreateOccurrencesResponseSchema, {
      occurrences: occurrences.map((o) => o as never),
    });
    assertSameBytes(BatchCreateOccurrencesResponseSchema, reply, "reply");
  });

  test("encodes an empty message as no bytes", () => {
    assert.equal(encodeBinary(OccurrenceSchema, create(OccurrenceSchema)).length, 0);
  });

  test("writes -0 where the field is set, as protobuf-es does", () => {
    const value = create(ValueSchema, { kind: { case: "numberValue", value: -0 } });
    assertSameBytes(ValueSchema, value, "-0");
    assert.equal(encodeBinary(ValueSchema, value).length, 9);
  });

  test("Struct fields (held as JSON objects) and Struct inside Value", () => {
    const struct = create(StructSchema, { fields: { a: { kind: { case: "stringValue", value: "ü" } } } });
    assertSameBytes(StructSchema, struct, "struct");
    assertSameBytes(ValueSchema, create(ValueSchema, { kind: { case: "structValue", value: struct } }), "value");
  });

  test("writes a lone surrogate as U+FFFD, as protobuf-es does", () => {
    const occurrence = create(OccurrenceSchema);
    occurrence.resourceUri = "lone \ud800 surrogate";
    assertSameBytes(OccurrenceSchema, occurrence, "lone surrogate");
  });

  test("refuses values protobuf-es refuses", () => {
    const occurrence = create(OccurrenceSchema, { createTime: timestampFromMs(0) });
    (occurrence.createTime as unknown as { nanos: number }).nanos = 2 ** 40;
    assert.throws(() => toBinary(OccurrenceSchema, occurrence));
    assert.throws(() => encodeBinary(OccurrenceSchema, occurrence), /int32/);
  });
});
