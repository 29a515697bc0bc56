import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { silentLogger } from "../logging/logger.js";
import { type RunningScribaServer, startScribaServer } from "../server/scriba-server.js";
import { createMemoryStore } from "../store/memory-store.js";
import { GrafeasGrpcClient } from "./grafeas-grpc-client.js";
import { ServerReplyError } from "./server-reply-error.js";
import { scribaRejection as rejection } from "../../test/support/scriba-rejection.js";

const resourceUri = "https://gcr.io/p/app@sha256:1111111111111111111111111111111111111111111111111111111111111111";

const attestationNote = () => create(NoteSchema, { type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } } });

let server: RunningScribaServer;
let client: GrafeasGrpcClient;

before(async () => {
  server = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: createMemoryStore(), logger: silentLogger });
  client = new GrafeasGrpcClient({ baseUrl: `grpc://127.0.0.1:${server.address.port}` });
  await client.createNote("projects/p", "qa", attestationNote());
  for (let i = 0; i < 3; i += 1) {
    await client.createOccurrence(
      "projects/p",
      create(OccurrenceSchema, {
        resourceUri,
        noteName: "projects/p/notes/qa",
        details: { case: "attestation", value: { serializedPayload: new Uint8Array([i]) } },
      }),
    );
  }
});
after(async () => {
  client.close();
  await server.close();
});

describe("GrafeasGrpcClient against scriba serve", () => {
  test("replies are the generated messages, with the server's names", async () => {
    const page = await client.listNoteOccurrences("projects/p/notes/qa", { filter: `resourceUri="${resourceUri}"` });
    assert.equal(page.items.length, 3);
    assert.equal(page.items[0]?.$typeName, "grafeas.v1.Occurrence");
    assert.match(page.items[0]?.name ?? "", /^projects\/p\/occurrences\//);
  });

  test("listAll follows page tokens to the end", async () => {
    assert.equal((await client.listAllOccurrences("projects/p", { pageSize: 1 })).length, 3);
  });

  test("listAll past its page bound is OUT_OF_RANGE rather than a partial list", async () => {
    const error = await rejection(client.listAllOccurrences("projects/p", { pageSize: 1, maxPages: 2 }));
    assert.equal(error.code, "OUT_OF_RANGE");
    assert.match(error.message, /the occurrences of projects\/p fill more than 2 pages \(2 items so far\)/);
  });

  test("the server's status comes back as the ScribaError it threw, with its message", async () => {
    const error = await rejection(client.createNote("projects/p", "qa", attestationNote()));
    assert.ok(error instanceof ServerReplyError);
    assert.equal(error.code, "ALREADY_EXISTS");
    assert.equal(error.reply, "ALREADY_EXISTS");
    assert.match(error.message, /projects\/p\/notes\/qa/);
  });

  test("an absent note is NOT_FOUND", async () => {
    const error = await rejection(client.listNoteOccurrences("projects/p/notes/none"));
    assert.equal(error.code, "NOT_FOUND");
  });

  test("a page size that is not a positive whole number is refused before anything is sent", async () => {
    const error = await rejection(client.listOccurrences("projects/p", { pageSize: 0.5 }));
    assert.equal(error.code, "INVALID_ARGUMENT");
  });

  test("a fired signal cancels the call", async () => {
    const error = await rejection(client.listOccurrences("projects/p", { signal: AbortSignal.abort() }));
    assert.equal(error.code, "CANCELLED");
  });

  test("a closed client's calls are UNAVAILABLE", async () => {
    const closed = new GrafeasGrpcClient({ baseUrl: `grpc://127.0.0.1:${server.address.port}` });
    closed.close();
    const error = await rejection(closed.listNotes("projects/p"));
    assert.equal(error.code, "UNAVAILABLE");
  });

  test("only grpc:// and grpcs:// URLs are accepted", () => {
    assert.throws(() => new GrafeasGrpcClient({ baseUrl: "https://127.0.0.1:8443" }), /must be an grpc:\/\/ or grpcs:\/\/ URL/);
  });
});
