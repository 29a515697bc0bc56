import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { TestTls } from "../admission/__fixtures__/test-tls.js";
import { ScribaError } from "../errors.js";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { silentLogger } from "../logging/logger.js";
import { type RunningScribaServer, startScribaServer } from "../server/scriba-server.js";
import { createMemoryStore } from "../store/memory-store.js";
import { GrafeasRestClient } from "./grafeas-rest-client.js";
import { errorFromReply } from "./rest-error.js";
import { parseServerUrl } from "./server-url.js";

const attestationNote = (name: string) =>
  create(NoteSchema, { shortDescription: `note ${name}`, type: { case: "attestation", value: { hint: { humanReadableName: name } } } });

const attestationOccurrence = (noteName: string, resourceUri: string) =>
  create(OccurrenceSchema, {
    resourceUri,
    noteName,
    details: { case: "attestation", value: { serializedPayload: Buffer.from("payload") } },
  });

async function rejection(promise: Promise<unknown>): Promise<ScribaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ScribaError, `expected a ScribaError, got ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded");
}

/** A loopback HTTP server that plays a proxy or a broken server; records what it received. */
async function standIn(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("GrafeasRestClient against a Scriba server", () => {
  let scriba: RunningScribaServer;
  let client: GrafeasRestClient;

  before(async () => {
    scriba = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: createMemoryStore(), logger: silentLogger });
    client = new GrafeasRestClient({ baseUrl: `http://127.0.0.1:${scriba.address.port}/` });
  });

  after(async () => {
    await scriba.close();
  });

  test("creates a note and reads it back with the server-set name, kind and create time", async () => {
    const created = await client.createNote("projects/crud", "qa", attestationNote("qa"));
    assert.equal(created.name, "projects/crud/notes/qa");
    const read = await client.getNote("projects/crud/notes/qa");
    assert.equal(read.name, "projects/crud/notes/qa");
    assert.equal(read.type.case, "attestation");
    assert.equal(read.shortDescription, "note qa");
    assert.ok(read.createTime !== undefined);
  });

  test("a note ID with colons and at-signs round-trips through the path", async () => {
    await client.createNote("projects/crud", "CVE-2024:1@x+y", attestationNote("odd"));
    const read = await client.getNote("projects/crud/notes/CVE-2024:1@x+y");
    assert.equal(read.name, "projects/crud/notes/CVE-2024:1@x+y");
  });

  test("one page carries a token, and listAll follows the tokens to the end", async () => {
    for (let i = 0; i < 5; i++) await client.createNote("projects/paging", `n${i}`, attestationNote(`n${i}`));
    const first = await client.listNotes("projects/paging", { pageSize: 2 });
    assert.equal(first.items.length, 2);
    assert.notEqual(first.nextPageToken, "");
    const all = await client.listAllNotes("projects/paging", { pageSize: 2 });
    assert.deepEqual(all.map((n) => n.name), [0, 1, 2, 3, 4].map((i) => `projects/paging/notes/n${i}`));
  });

  test("listAll past its page bound fails with OUT_OF_RANGE instead of returning part of the list", async () => {
    const error = await rejection(client.listAllNotes("projects/paging", { pageSize: 2, maxPages: 2 }));
    assert.equal(error.code, "OUT_OF_RANGE");
    assert.match(error.message, /more than 2 pages/);
  });

  test("filters are sent to the server", async () => {
    const notes = await client.listAllNotes("projects/paging", { filter: 'shortDescription="note n3"' });
    assert.deepEqual(notes.map((n) => n.name), ["projects/paging/notes/n3"]);
  });

  test("occurrences: create, get, the note of, list by note with a filter, update with a mask, delete", async () => {
    await client.createNote("projects/authority", "qa", attestationNote("qa"));
    const a = await client.createOccurrence("projects/app", attestationOccurrence("projects/authority/notes/qa", "https://gcr.io/p/a@sha256:1"));
    await client.createOccurrence("projects/other", attestationOccurrence("projects/authority/notes/qa", "https://gcr.io/p/b@sha256:2"));
    assert.match(a.name, /^projects\/app\/occurrences\/[0-9a-f-]{36}$/);
    assert.equal((await client.getOccurrence(a.name)).resourceUri, "https://gcr.io/p/a@sha256:1");
    assert.equal((await client.getOccurrenceNote(a.name)).name, "projects/authority/notes/qa");

    const everyProject = await client.listAllNoteOccurrences("projects/authority/notes/qa");
    assert.equal(everyProject.length, 2);
    const filtered = await client.listAllNoteOccurrences("projects/authority/notes/qa", { filter: 'resourceUri="https://gcr.io/p/b@sha256:2"' });
    assert.deepEqual(filtered.map((o) => o.resourceUri), ["https://gcr.io/p/b@sha256:2"]);
    assert.equal((await client.listAllOccurrences("projects/app")).length, 1);

    const changed = await client.updateOccurrence(a.name, create(OccurrenceSchema, { remediation: "rebuild" }), { updateMask: ["remediation"] });
    assert.equal(changed.remediation, "rebuild");
    assert.equal(changed.details.case, "attestation", "fields outside the mask are kept");

    await client.deleteOccurrence(a.name);
    assert.equal((await rejection(client.getOccurrence(a.name))).code, "NOT_FOUND");
  });

  test("updates a note without a mask", async () => {
    await client.createNote("projects/update", "n", attestationNote("n"));
    const updated = await client.updateNote("projects/update/notes/n", attestationNote("renamed"));
    assert.equal(updated.shortDescription, "note renamed");
  });

  test("batch creates write every item", async () => {
    const notes = await client.batchCreateNotes("projects/batch", { a: attestationNote("a"), b: attestationNote("b") });
    assert.deepEqual(notes.map((n) => n.name).sort(), ["projects/batch/notes/a", "projects/batch/notes/b"]);
    const occurrences = await client.batchCreateOccurrences("projects/batch", [
      attestationOccurrence("projects/batch/notes/a", "https://gcr.io/p/x@sha256:1"),
      attestationOccurrence("projects/batch/notes/b", "https://gcr.io/p/x@sha256:1"),
    ]);
    assert.equal(occurrences.length, 2);
  });

  test("a batch with an invalid item is INVALID_ARGUMENT with the item's field violation", async () => {
    const bad = create(OccurrenceSchema, { noteName: "projects/batch/notes/a", details: { case: "attestation", value: {} } });
    const error = await rejection(client.batchCreateOccurrences("projects/batch", [attestationOccurrence("projects/batch/notes/a", "https://x/y@sha256:1"), bad]));
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.ok(error.violations.some((v) => v.field.startsWith("occurrences[1]")), JSON.stringify(error.violations));
  });

  test("the server's codes come back: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION", async () => {
    const missing = await rejection(client.getNote("projects/crud/notes/missing"));
    assert.equal(missing.code, "NOT_FOUND");
    assert.match(missing.message, /projects\/crud\/notes\/missing/);
    assert.equal((await rejection(client.createNote("projects/crud", "qa", attestationNote("qa")))).code, "ALREADY_EXISTS");
    const orphan = await rejection(client.createOccurrence("projects/app", attestationOccurrence("projects/crud/notes/missing", "https://x/y@sha256:1")));
    assert.equal(orphan.code, "FAILED_PRECONDITION");
    assert.equal((await rejection(client.deleteNote("projects/authority/notes/qa"))).code, "FAILED_PRECONDITION");
  });

  test("a malformed resource name is INVALID_ARGUMENT before anything is sent", async () => {
    const error = await rejection(client.getNote("projects/p/../notes/n"));
    assert.equal(error.code, "INVALID_ARGUMENT");
  });

  test("a cancelled call is CANCELLED", async () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal((await rejection(client.getNote("projects/crud/notes/qa", { signal: controller.signal }))).code, "CANCELLED");
  });
});

describe("GrafeasRestClient when the server is not a healthy Scriba", () => {
  test("a server that cannot be reached is UNAVAILABLE, naming the server and the reason", async () => {
    const { url, server } = await standIn(() => undefined);
    await stop(server);
    const error = await rejection(new GrafeasRestClient({ baseUrl: url }).getNote("projects/p/notes/n"));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, new RegExp(`cannot reach the Grafeas server at ${url}: ECONNREFUSED`));
  });

  test("a server that never answers is DEADLINE_EXCEEDED after the timeout", async () => {
    const { url, server } = await standIn(() => undefined);
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: url, timeoutMs: 100 }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "DEADLINE_EXCEEDED");
    } finally {
      await stop(server);
    }
  });

  test("the bearer token is sent, and a proxy's Google-style refusal keeps its code", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const { url, server } = await standIn((req, res) => {
      seen.push(req.headers);
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: 403, message: "token not allowed here", status: "PERMISSION_DENIED" } }));
    });
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: `${url}/prefix`, bearerToken: "s3cr3t" }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "PERMISSION_DENIED");
      assert.equal(error.message, "token not allowed here");
      assert.equal(seen[0]?.authorization, "Bearer s3cr3t");
    } finally {
      await stop(server);
    }
  });

  test("a reply over the size bound is RESOURCE_EXHAUSTED", async () => {
    const { url, server } = await standIn((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "projects/p/notes/n", shortDescription: "x".repeat(4096) }));
    });
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: url, maxResponseBytes: 1024 }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "RESOURCE_EXHAUSTED");
    } finally {
      await stop(server);
    }
  });

  test("a reply that is not grafeas.v1 JSON is UNKNOWN, not INVALID_ARGUMENT", async () => {
    const { url, server } = await standIn((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ createTime: "yesterday" }));
    });
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: url }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "UNKNOWN");
      assert.match(error.message, /not grafeas\.v1\.Note JSON/);
    } finally {
      await stop(server);
    }
  });

  test("a reply cut short by the server is UNAVAILABLE", async () => {
    const { url, server } = await standIn((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"name":');
      setImmediate(() => res.destroy());
    });
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: url }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "UNAVAILABLE");
      assert.match(error.message, new RegExp(`cannot reach the Grafeas server at ${url}`));
    } finally {
      await stop(server);
    }
  });

  test("a redirect is not followed, so the bearer token stays with the server it was given for", async () => {
    let requests = 0;
    const { url, server } = await standIn((_req, res) => {
      requests += 1;
      res.writeHead(302, { location: "http://127.0.0.1:9/elsewhere" });
      res.end();
    });
    try {
      const error = await rejection(new GrafeasRestClient({ baseUrl: url, bearerToken: "s3cr3t" }).getNote("projects/p/notes/n"));
      assert.equal(error.code, "UNKNOWN");
      assert.match(error.message, /answered HTTP 302/);
      assert.equal(requests, 1);
    } finally {
      await stop(server);
    }
  });

  test("an https server is trusted through a private CA given as ca, and refused without it", async () => {
    const tls = TestTls.create();
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "projects/p/notes/n" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await new GrafeasRestClient({ baseUrl: url, ca: tls.ca }).getNote("projects/p/notes/n")).name, "projects/p/notes/n");
      const untrusted = await rejection(new GrafeasRestClient({ baseUrl: url }).getNote("projects/p/notes/n"));
      assert.equal(untrusted.code, "UNAVAILABLE");
      assert.match(untrusted.message, new RegExp(`cannot reach the Grafeas server at ${url}: `));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      tls.remove();
    }
  });

  test("a server URL that is not http(s) is refused", () => {
    assert.throws(() => new GrafeasRestClient({ baseUrl: "ftp://127.0.0.1" }), (e: unknown) => e instanceof ScribaError && e.code === "INVALID_ARGUMENT");
  });
});

describe("parseServerUrl", () => {
  test("takes http(s) URLs with a path prefix", () => {
    assert.equal(parseServerUrl("https://scriba.example:8443/grafeas").pathname, "/grafeas");
  });

  test("refuses other schemes, credentials in the URL and queries, without echoing a secret", () => {
    assert.throws(() => parseServerUrl("grpc://scriba:8443"), /must be an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => parseServerUrl("https://user:pw@scriba:8443"), (e: unknown) => e instanceof ScribaError && /must not carry credentials/.test(e.message) && !e.message.includes("pw"));
    assert.throws(() => parseServerUrl("https://scriba:8443/?token=t0k"), (e: unknown) => e instanceof ScribaError && /query/.test(e.message) && !e.message.includes("t0k"));
  });
});

describe("errorFromReply", () => {
  const where = "GET http://127.0.0.1:8080/v1/projects/p/notes/n";

  test("reads Google's error body: status name, message and field violations", () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: "bad note",
        status: "INVALID_ARGUMENT",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            fieldViolations: [{ field: "attestation.hint.humanReadableName", description: "is required" }],
          },
        ],
      },
    });
    const error = errorFromReply(400, body, where);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.equal(error.message, "bad note");
    assert.deepEqual(error.violations, [{ field: "attestation.hint.humanReadableName", description: "is required" }]);
  });

  test("reads grpc-gateway's body by its gRPC code number", () => {
    const error = errorFromReply(404, JSON.stringify({ code: 5, message: "note not found" }), where);
    assert.equal(error.code, "NOT_FOUND");
    assert.equal(error.message, "note not found");
  });

  test("a Google body with a status outside Scriba's list is UNKNOWN with the server's message", () => {
    const error = errorFromReply(500, JSON.stringify({ error: { code: 500, message: "lost", status: "DATA_LOSS" } }), where);
    assert.equal(error.code, "UNKNOWN");
    assert.equal(error.message, "lost");
  });

  test("a proxy's 502 page is UNAVAILABLE and a 401 is UNAUTHENTICATED", () => {
    assert.equal(errorFromReply(502, "<html>Bad Gateway</html>", where).code, "UNAVAILABLE");
    assert.equal(errorFromReply(401, "", where).code, "UNAUTHENTICATED");
  });

  test("a bare 404 is UNKNOWN and asks whether the URL is a Grafeas server, so it never reads as a missing note", () => {
    const error = errorFromReply(404, "404 page not found", where);
    assert.equal(error.code, "UNKNOWN");
    assert.match(error.message, /answered HTTP 404 without a Grafeas error body; is it a Grafeas server\?/);
  });
});
