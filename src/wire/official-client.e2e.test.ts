/**
 * The official @google-cloud/grafeas client, over gRPC and over its REST
 * transport, against both edges on one port. The service behind them is the
 * small in-memory implementation in ./testing: these tests are about the
 * wire, not about Grafeas semantics.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import grafeas from "@google-cloud/grafeas";
import * as grpc from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";
import { createGrpcServer } from "./grpc-edge.js";
import { listenOnePort } from "./one-port-listener.js";
import type { OnePortListener } from "./one-port-listener.js";
import { createRestHandler } from "./rest-edge.js";
import { createInMemoryGrafeas, internalFailureSecret } from "./testing/in-memory-grafeas.js";
import type { InMemoryGrafeas } from "./testing/in-memory-grafeas.js";

type GrafeasClient = InstanceType<typeof grafeas.v1.GrafeasClient>;

interface CallError {
  code?: number;
  message: string;
  statusDetails?: { fieldViolations?: { field: string; description: string }[] }[];
}

async function failure(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    return error as CallError;
  }
  assert.fail("the call succeeded");
}

describe("official client against both edges on one port", { timeout: 60_000 }, () => {
  let service: InMemoryGrafeas;
  let listener: OnePortListener;
  let viaGrpc: GrafeasClient;
  let viaRest: GrafeasClient;
  let base: string;
  const internalErrors: unknown[] = [];

  before(async () => {
    service = createInMemoryGrafeas();
    const logInternalError = (_where: string, error: Error) => internalErrors.push(error.cause);
    listener = await listenOnePort({
      host: "127.0.0.1",
      port: 0,
      httpHandler: createRestHandler({ methods: service.methods, logInternalError }),
      grpcServer: createGrpcServer({ methods: service.methods, logInternalError }),
    });
    const port = listener.address.port;
    base = `http://127.0.0.1:${port}`;
    viaGrpc = new grafeas.v1.GrafeasClient({
      servicePath: "127.0.0.1",
      port,
      sslCreds: grpc.credentials.createInsecure(),
    });
    viaRest = new grafeas.v1.GrafeasClient({
      fallback: true,
      protocol: "http",
      servicePath: "127.0.0.1",
      port,
      // google-gax carries its own copy of google-auth-library, so the class types differ; the object works.
      authClient: new PassThroughClient() as never,
    });
    for (let i = 1; i <= 5; i++) {
      service.occurrences.set(`projects/paging/occurrences/o${i}`, {
        $typeName: "grafeas.v1.Occurrence",
        name: `projects/paging/occurrences/o${i}`,
        resourceUri: `https://example.com/image@sha256:${i}`,
        noteName: "projects/paging/notes/n",
        kind: 0,
        remediation: "",
        details: { case: undefined },
      } as never);
    }
  });

  after(async () => {
    await viaGrpc.close();
    await viaRest.close();
    await listener.close();
  });

  test("gRPC: createNote then getNote returns the stored note", async () => {
    const [created] = await viaGrpc.createNote({
      parent: "projects/p",
      noteId: "grpc-note",
      note: { shortDescription: "over gRPC", kind: "ATTESTATION", attestation: { hint: { humanReadableName: "qa" } } },
    });
    assert.equal(created.name, "projects/p/notes/grpc-note");
    const [read] = await viaGrpc.getNote({ name: "projects/p/notes/grpc-note" });
    assert.equal(read.shortDescription, "over gRPC");
    assert.equal(read.kind, "ATTESTATION");
    assert.equal(read.attestation?.hint?.humanReadableName, "qa");
  });

  test("REST: createNote then getNote returns the stored note", async () => {
    const [created] = await viaRest.createNote({
      parent: "projects/p",
      noteId: "rest-note",
      note: { shortDescription: "over REST", kind: "VULNERABILITY", vulnerability: { cvssScore: 7.5, severity: "HIGH" } },
    });
    assert.equal(created.name, "projects/p/notes/rest-note");
    const [read] = await viaRest.getNote({ name: "projects/p/notes/rest-note" });
    assert.equal(read.shortDescription, "over REST");
    assert.equal(read.kind, "VULNERABILITY");
    assert.equal(read.vulnerability?.severity, "HIGH");
    assert.equal(read.vulnerability?.cvssScore, 7.5);
  });

  test("a note written over one edge reads the same over the other", async () => {
    await viaRest.createNote({ parent: "projects/x", noteId: "crossed", note: { longDescription: "via REST" } });
    const [read] = await viaGrpc.getNote({ name: "projects/x/notes/crossed" });
    assert.equal(read.longDescription, "via REST");
  });

  for (const [label, client] of [["gRPC", () => viaGrpc], ["REST", () => viaRest]] as const) {
    test(`${label}: listOccurrences pages with pageSize and pageToken`, async () => {
      const [first, nextRequest] = await client().listOccurrences(
        { parent: "projects/paging", pageSize: 2 },
        { autoPaginate: false },
      );
      assert.deepEqual(first.map((o) => o.name), ["projects/paging/occurrences/o1", "projects/paging/occurrences/o2"]);
      assert.equal(nextRequest?.pageToken, "2");
      const names: string[] = [];
      const all = client().listOccurrencesAsync({ parent: "projects/paging", pageSize: 2 }, { autoPaginate: false });
      for await (const occurrence of all) {
        names.push(occurrence.name ?? "");
      }
      assert.equal(names.length, 5);
    });

    test(`${label}: a missing note is NOT_FOUND`, async () => {
      const error = await failure(client().getNote({ name: "projects/p/notes/missing" }));
      if (label === "gRPC") {
        assert.equal(error.code, grpc.status.NOT_FOUND);
      } else {
        // google-gax's REST transport reports the HTTP status and the raw error body.
        assert.equal(error.code, 404);
        assert.equal(JSON.parse(error.message).error.status, "NOT_FOUND");
      }
      assert.match(error.message, /note projects\/p\/notes\/missing not found/);
    });

    test(`${label}: field violations reach the client`, async () => {
      const error = await failure(client().createNote({ parent: "projects/p", noteId: "", note: { shortDescription: "x" } }));
      if (label === "gRPC") {
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        const violations = error.statusDetails?.[0]?.fieldViolations?.map(({ field, description }) => ({ field, description }));
        assert.deepEqual(violations, [{ field: "noteId", description: "is required" }]);
      } else {
        assert.equal(error.code, 400);
        assert.deepEqual(JSON.parse(error.message).error.details[0].fieldViolations, [
          { field: "noteId", description: "is required" },
        ]);
      }
    });

    test(`${label}: an internal failure shows only "internal error"`, async () => {
      const error = await failure(client().createNote({ parent: "projects/p", noteId: "explode", note: {} }));
      assert.ok(!error.message.includes("hunter2"), error.message);
      assert.match(error.message, /internal error/);
      assert.ok(internalErrors.some((e) => (e as Error).message === internalFailureSecret));
    });
  }

  test("REST: updateNote sends updateMask paths that arrive as proto paths", async () => {
    await viaGrpc.createNote({ parent: "projects/u", noteId: "n", note: { shortDescription: "before" } });
    service.receivedMasks.length = 0;
    const [updated] = await viaRest.updateNote({
      name: "projects/u/notes/n",
      note: { shortDescription: "after", longDescription: "ignored" },
      updateMask: { paths: ["short_description"] },
    });
    assert.equal(updated.shortDescription, "after");
    assert.equal(updated.longDescription, "");
    assert.deepEqual(service.receivedMasks, [["short_description"]]);
  });

  test("REST: batchCreateNotes sends the notes map as the whole body", async () => {
    const [response] = await viaRest.batchCreateNotes({
      parent: "projects/b",
      notes: { a: { kind: "BUILD" }, b: { kind: "IMAGE" } },
    });
    assert.deepEqual(response.notes?.map((n) => n.name).sort(), ["projects/b/notes/a", "projects/b/notes/b"]);
  });

  test("REST: deleteNote resolves on the empty reply", async () => {
    await viaRest.createNote({ parent: "projects/d", noteId: "n", note: {} });
    await viaRest.deleteNote({ name: "projects/d/notes/n" });
    assert.equal(service.notes.has("projects/d/notes/n"), false);
  });

  test("plain HTTP on the same port: Projects routes and Google-style errors", async () => {
    const created = await fetch(`${base}/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "projects/plain" }),
    });
    assert.deepEqual(await created.json(), { name: "projects/plain" });
    assert.deepEqual(await (await fetch(`${base}/v1/projects/plain`)).json(), { name: "projects/plain" });
    assert.deepEqual(await (await fetch(`${base}/v1/projects`)).json(), { projects: [{ name: "projects/plain" }] });
    const missing = await fetch(`${base}/v1/projects/absent`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), {
      error: { code: 404, message: "project projects/absent not found", status: "NOT_FOUND", details: [] },
    });
    const wrongMethod = await fetch(`${base}/v1/projects/plain/notes`, { method: "DELETE" });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET, POST");
  });

  test("gRPC and REST calls interleaved at the same time all succeed", async () => {
    await viaGrpc.createNote({ parent: "projects/c", noteId: "n", note: { shortDescription: "shared" } });
    const calls = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? viaGrpc : viaRest).getNote({ name: "projects/c/notes/n" }).then(([note]) => note.shortDescription),
    );
    assert.deepEqual(await Promise.all(calls), Array.from({ length: 20 }, () => "shared"));
  });
});
