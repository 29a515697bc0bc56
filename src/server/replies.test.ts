import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  BatchCreateOccurrencesRequestSchema,
  BatchCreateOccurrencesResponseSchema,
  CreateNoteRequestSchema,
  Grafeas,
  OccurrenceSchema,
  type Occurrence,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { GrafeasService, type WrittenRecord } from "../grafeas/grafeas-service.js";
import { messageFromStoredJson, toCanonicalJson } from "../grafeas/proto-json.js";
import { createMemoryStore } from "../store/memory-store.js";
import { grafeasRpcMethods } from "./grafeas-rpc.js";
import { listReply, recordReply } from "./replies.js";

const ctx = {};
const resourceUri = `https://gcr.io/p/app@sha256:${"b".repeat(64)}`;

function occurrence(n: number): Occurrence {
  return create(OccurrenceSchema, {
    name: `projects/p/occurrences/o${n}`,
    resourceUri,
    noteName: "projects/p/notes/qa",
    details: { case: "attestation", value: { serializedPayload: new TextEncoder().encode(`payload ${n}`) } },
  });
}

describe("replies to writes", () => {
  test("a BatchCreateOccurrences reply encodes the bytes a reply parsed from the stored JSON does", async () => {
    const service = new GrafeasService({ store: createMemoryStore() });
    await service.createNote(
      create(CreateNoteRequestSchema, {
        parent: "projects/p",
        noteId: "qa",
        note: { type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } } },
      }),
      ctx,
    );
    const rpc = grafeasRpcMethods(service).find((m) => m.method === Grafeas.method.batchCreateOccurrences)!;
    const request = create(BatchCreateOccurrencesRequestSchema, {
      parent: "projects/p",
      occurrences: [occurrence(1), occurrence(2)].map((o) => ({ ...o, name: "" })),
    });
    const reply = await rpc.handler(request, ctx);
    const bytes = toBinary(BatchCreateOccurrencesResponseSchema, reply.message() as never);
    const stored = await service.store.listOccurrences("p", { pageSize: 10 });
    const fromStorage = create(BatchCreateOccurrencesResponseSchema, {
      occurrences: stored.records.map((r) => messageFromStoredJson(OccurrenceSchema, r.json)),
    });
    assert.deepEqual(bytes, toBinary(BatchCreateOccurrencesResponseSchema, fromStorage));
    assert.equal(reply.json({ enumAsInteger: false }), `{"occurrences":[${stored.records.map((r) => r.json).join(",")}]}`);
  });

  test("a written record's own message is encoded, not its JSON parsed again", () => {
    const message = occurrence(1);
    const record: WrittenRecord = { name: message.name, json: toCanonicalJson(OccurrenceSchema, message), message };
    assert.equal(recordReply(OccurrenceSchema, record).message(), message);
    const list = listReply(BatchCreateOccurrencesResponseSchema, OccurrenceSchema, "occurrences", [record]).message();
    assert.equal((list as unknown as { occurrences: Occurrence[] }).occurrences[0], message);
  });

  test("a written message holding an unknown field is replaced by its stored JSON parsed", () => {
    const bytes = toBinary(OccurrenceSchema, occurrence(1));
    const message = fromBinary(OccurrenceSchema, new Uint8Array([...bytes, 0xf8, 0x3e, 0x01])); // field 999
    const json = toCanonicalJson(OccurrenceSchema, message);
    const record: WrittenRecord = { name: message.name, json, message };
    const replied = recordReply(OccurrenceSchema, record).message();
    assert.notEqual(replied, message);
    assert.deepEqual(toBinary(OccurrenceSchema, replied as Occurrence), toBinary(OccurrenceSchema, messageFromStoredJson(OccurrenceSchema, json)));
  });

  test("a record without a message is parsed from its JSON", () => {
    const message = occurrence(3);
    const json = toCanonicalJson(OccurrenceSchema, message);
    const replied = recordReply(OccurrenceSchema, { name: message.name, json }).message() as Occurrence;
    assert.deepEqual(toBinary(OccurrenceSchema, replied), toBinary(OccurrenceSchema, message));
  });
});
