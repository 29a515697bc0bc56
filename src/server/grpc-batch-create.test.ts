/**
 * BatchCreateOccurrences through the gRPC edge's own (de)serializers and
 * handler, against the straightforward protobuf-es path: the reply's bytes
 * must be those of the created occurrences as GetOccurrence returns them, and
 * those protobuf-es gives for the stored JSON parsed back.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary, type Message } from "@bufbuild/protobuf";
import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import {
  BatchCreateNotesRequestSchema,
  BatchCreateOccurrencesRequestSchema,
  BatchCreateOccurrencesResponseSchema,
  GetOccurrenceRequestSchema,
  OccurrenceSchema,
  type Occurrence,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { GrafeasService } from "../grafeas/grafeas-service.js";
import { messageFromStoredJson } from "../grafeas/proto-json.js";
import { createMemoryStore } from "../store/memory-store.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { grpcServiceBindings } from "../wire/grpc-edge.js";
import { scannerOccurrences } from "../wire/testing/scanner-occurrences.js";
import { grafeasRpcMethods } from "./grafeas-rpc.js";

interface Edge {
  call(method: string, request: Uint8Array): Promise<Buffer>;
}

function grpcEdgeOf(service: GrafeasService): Edge {
  const [binding] = grpcServiceBindings(grafeasRpcMethods(service), (where, error) => {
    throw new Error(`internal error in ${where}`, { cause: error });
  });
  return {
    call(method, request) {
      const definition = binding!.definition[method]!;
      const handler = binding!.implementation[method] as (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;
      const call = { request: definition.requestDeserialize(Buffer.from(request)), cancelled: false, once() {}, getDeadline: () => Infinity };
      return new Promise((resolve, reject) => {
        handler(call as unknown as ServerUnaryCall<unknown, unknown>, (error, reply) => {
          if (error) reject(new Error(`${error.code}: ${error.details}`));
          else resolve(definition.responseSerialize(reply));
        });
      });
    },
  };
}

const stores: [string, () => Store][] = [
  ["memory", () => createMemoryStore()],
  ["sqlite", () => openSqliteStore({ path: ":memory:" })],
];

for (const [kind, open] of stores) {
  describe(`BatchCreateOccurrences over the gRPC edge (${kind} store)`, () => {
    async function setUp() {
      const store = open();
      const service = new GrafeasService({ store });
      await service.batchCreateNotes(
        create(BatchCreateNotesRequestSchema, {
          parent: "projects/notes",
          notes: {
            "CVE-2024-10001": {
              type: {
                case: "vulnerability",
                value: { severity: Severity.CRITICAL, details: [{ affectedCpeUri: "cpe:/o:debian:debian_linux:12", affectedPackage: "openssl" }] },
              },
            },
            "qa-attestor": { type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } } },
          },
        }),
        {},
      );
      return { store, edge: grpcEdgeOf(service) };
    }

    test("the reply is what GetOccurrence returns and what protobuf-es makes of the stored JSON", async () => {
      const { store, edge } = await setUp();
      try {
        const request = toBinary(BatchCreateOccurrencesRequestSchema, create(BatchCreateOccurrencesRequestSchema, { parent: "projects/scans", occurrences: scannerOccurrences() }));
        // An unknown field in each occurrence (field 999, varint 1) and in the request.
        const withUnknown = fromBinary(BatchCreateOccurrencesRequestSchema, request);
        withUnknown.occurrences.forEach((o) => (o.$unknown = [{ no: 999, wireType: 0, data: Uint8Array.of(1) }]));
        for (const bytes of [request, new Uint8Array([...toBinary(BatchCreateOccurrencesRequestSchema, withUnknown), 0xb8, 0x3e, 0x01])]) {
          const replyBytes = await edge.call("batchCreateOccurrences", bytes);
          const reply = fromBinary(BatchCreateOccurrencesResponseSchema, replyBytes);
          assert.equal(reply.occurrences.length, 2);
          const gets: Buffer[] = [];
          const fromJson: Message[] = [];
          for (const occurrence of reply.occurrences) {
            assert.match(occurrence.name, /^projects\/scans\/occurrences\/[0-9a-f-]{36}$/);
            assert.notEqual(occurrence.createTime?.seconds, 0n);
            assert.deepEqual(occurrence.updateTime, occurrence.createTime);
            gets.push(await edge.call("getOccurrence", toBinary(GetOccurrenceRequestSchema, create(GetOccurrenceRequestSchema, { name: occurrence.name }))));
            const stored = await store.getOccurrence("scans", occurrence.name.split("/")[3]!);
            fromJson.push(messageFromStoredJson(OccurrenceSchema, stored.json));
          }
          assert.deepEqual(reply.occurrences.map((o) => [o.kind, o.noteName]), [
            [NoteKind.VULNERABILITY, "projects/notes/notes/CVE-2024-10001"],
            [NoteKind.ATTESTATION, "projects/notes/notes/qa-attestor"],
          ]);
          // Field 1 of the response, once per occurrence: the GetOccurrence replies' bytes, in order.
          const expected = Buffer.concat(gets.map((get) => Buffer.concat([Buffer.from([0x0a]), varint(get.length), get])));
          assert.ok(replyBytes.equals(expected), "the reply differs from the GetOccurrence replies");
          const straightforward = toBinary(BatchCreateOccurrencesResponseSchema, create(BatchCreateOccurrencesResponseSchema, { occurrences: fromJson as Occurrence[] }));
          assert.ok(replyBytes.equals(straightforward), "the reply differs from protobuf-es's encoding of the stored JSON");
          assert.equal(fromJson[0] !== undefined && (fromJson[0] as Occurrence).details.case, "vulnerability");
        }
      } finally {
        await store.close();
      }
    });
  });
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
