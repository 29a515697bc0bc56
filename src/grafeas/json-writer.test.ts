import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary, toJsonString, type DescMessage, type Message } from "@bufbuild/protobuf";
import { anyPack, timestampFromMs, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { DiscoveryOccurrenceSchema } from "../gen/grafeas/v1/discovery_pb.js";
import { OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { messageTypes, randomMessage } from "../wire/testing/random-messages.js";
import { seededRandom } from "../testing/seeded-random.js";
import { writeJson } from "./json-writer.js";
import { grafeasRegistry } from "./proto-json.js";

const registry = grafeasRegistry;

function assertSameJson(schema: DescMessage, message: Message, what: string): void {
  let expected: string;
  try {
    expected = toJsonString(schema, message, { registry });
  } catch (error) {
    assert.throws(() => writeJson(schema, message, registry), Error, `${what}: protobuf-es refused it (${String(error)})`);
    return;
  }
  assert.equal(writeJson(schema, message, registry), expected, what);
}

describe("writeJson", () => {
  test("gives toJsonString's text for random messages of every type the grafeas.v1 files reach", () => {
    const random = seededRandom(3);
    for (const schema of messageTypes(registry)) {
      for (let n = 0; n < 6; n++) {
        const message = randomMessage(random, schema, { unknown: 0.1 });
        assertSameJson(schema, message, `${schema.typeName} #${n}`);
        assertSameJson(schema, fromBinary(schema, toBinary(schema, message)), `${schema.typeName} #${n} decoded`);
      }
    }
  });

  test("gives toJsonString's text for deep occurrences", () => {
    const random = seededRandom(4);
    for (let n = 0; n < 200; n++) {
      assertSameJson(OccurrenceSchema, randomMessage(random, OccurrenceSchema, { maxDepth: 7, fill: 0.8 }), `occurrence ${n}`);
    }
  });

  test("timestamps at each precision and at the ends of their range", () => {
    for (const [seconds, nanos] of [
      [1700000000n, 0],
      [1700000000n, 5_000_000],
      [1700000000n, 5_000],
      [1700000000n, 5],
      [-62135596800n, 0],
      [253402300799n, 999_999_999],
    ] as const) {
      const occurrence = create(OccurrenceSchema, { createTime: { seconds, nanos } });
      assertSameJson(OccurrenceSchema, occurrence, `${seconds}.${nanos}`);
    }
    for (const [seconds, nanos] of [[-62135596801n, 0], [1n, -1], [1n, 1_000_000_000]] as const) {
      const occurrence = create(OccurrenceSchema, { createTime: { seconds, nanos } });
      assert.throws(() => toJsonString(OccurrenceSchema, occurrence, { registry }));
      assert.throws(() => writeJson(OccurrenceSchema, occurrence, registry));
    }
    assertSameJson(OccurrenceSchema, create(OccurrenceSchema, { updateTime: timestampFromMs(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) }), "ms");
  });

  test("Any is written through the registry", () => {
    const discovery = create(DiscoveryOccurrenceSchema, {
      analysisError: [{ code: 3, message: "ü", details: [anyPack(TimestampSchema, timestampFromMs(0))] }],
    });
    assertSameJson(DiscoveryOccurrenceSchema, discovery, "any");
    assert.match(writeJson(DiscoveryOccurrenceSchema, discovery, registry), /"@type":"type.googleapis.com\/google.protobuf.Timestamp"/);
  });

  test("strings are escaped as JSON.stringify escapes them, lone surrogates included", () => {
    const occurrence = create(OccurrenceSchema);
    occurrence.resourceUri = 'quote " backslash \\ \u2028 \ud800 \u0001 日本';
    assertSameJson(OccurrenceSchema, occurrence, "escapes");
  });
});
