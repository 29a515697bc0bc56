/**
 * The limits that keep one client from hurting the others, each with a clear
 * error: the request body size (`--max-request-bytes`, 413), the filter length
 * (400) and the batch size (400).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { maxFilterLength } from "../../src/filter/index.js";
import { expectFailure, grafeasClients, transportNames, type GrafeasClients } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl } from "../support/grafeas-fixtures.js";
import { http, okJson, q } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

const maxBodyBytes = 1024 * 1024;

/** A note body of exactly `size` bytes: valid JSON padded with spaces. */
function noteBodyOfSize(size: number): string {
  const text = JSON.stringify(attestationNote());
  assert.ok(size >= text.length);
  return text + " ".repeat(size - text.length);
}

/** POSTs `chunks` with chunked transfer encoding (no Content-Length), as a streaming client does. */
function postChunked(port: number, path: string, chunks: readonly string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers: { "content-type": "application/json" }, timeout: 15_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no reply in time")));
    // The server may answer and close before every chunk is written; that is the point.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    const write = (i: number) => {
      if (i === chunks.length) {
        req.end();
        return;
      }
      if (req.destroyed) return;
      req.write(chunks[i], () => write(i + 1));
    };
    write(0);
  });
}

for (const store of storeKinds) {
  describe(`limits (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let clients: GrafeasClients;
    let base: string;

    before(async () => {
      server = await startTestServer({ store, maxBodyBytes });
      base = server.baseUrl;
      clients = grafeasClients(server.port);
    });

    after(async () => {
      await clients?.close();
      await server?.close();
    });

    describe("request body size", () => {
      test("a body of exactly --max-request-bytes is accepted", async () => {
        const p = uniqueProject("body-at-limit");
        const reply = await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: noteBodyOfSize(maxBodyBytes), contentType: "application/json" });
        assert.equal(reply.status, 200, reply.text);
      });

      test("a body one byte over --max-request-bytes is 413 RESOURCE_EXHAUSTED and writes nothing", async () => {
        const p = uniqueProject("body-over-limit");
        const reply = await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: noteBodyOfSize(maxBodyBytes + 1), contentType: "application/json" });
        assert.equal(reply.status, 413);
        assert.deepEqual(reply.json, {
          error: { code: 413, message: `the request body is larger than ${maxBodyBytes} bytes`, status: "RESOURCE_EXHAUSTED", details: [] },
        });
        assert.equal((await http(base, "GET", `/v1/projects/${p}/notes/qa`)).status, 404);
      });

      test("a streamed body without Content-Length is cut off at the limit with 413", async () => {
        const p = uniqueProject("body-streamed");
        const chunk = " ".repeat(64 * 1024);
        const chunks = [JSON.stringify(attestationNote()), ...Array.from({ length: 20 }, () => chunk)];
        const reply = await postChunked(server.port, `/v1/projects/${p}/notes?noteId=qa`, chunks);
        assert.equal(reply.status, 413);
        assert.equal((JSON.parse(reply.body) as { error: { status: string } }).error.status, "RESOURCE_EXHAUSTED");
        assert.equal((await http(base, "GET", `/v1/projects/${p}/notes/qa`)).status, 404);
      });

      test("a v1alpha1 body over --max-request-bytes is 413 as on v1", async () => {
        const p = uniqueProject("alpha-body");
        const reply = await http(base, "POST", `/v1alpha1/projects/${p}/notes?noteId=qa`, { body: "{" + " ".repeat(maxBodyBytes) + "}" });
        assert.equal(reply.status, 413, reply.text);
        assert.equal(reply.json.error.status, "RESOURCE_EXHAUSTED");
      });

      test("the server keeps serving after refusing a large body", async () => {
        await http(base, "POST", `/v1/projects/${uniqueProject("after-413")}/notes?noteId=qa`, { body: noteBodyOfSize(maxBodyBytes * 2) });
        assert.equal((await http(base, "GET", "/healthz")).status, 200);
      });
    });

    describe("filter length", () => {
      const longFilter = (length: number) => {
        const head = 'resourceUrl="';
        return `${head}${"x".repeat(length - head.length - 1)}"`;
      };

      test(`a filter of exactly ${maxFilterLength} characters is accepted`, async () => {
        const filter = longFilter(maxFilterLength);
        assert.equal(filter.length, maxFilterLength);
        assert.deepEqual(okJson(await http(base, "GET", `/v1/projects/${uniqueProject("filter-at-limit")}/occurrences?filter=${q(filter)}`)), {});
      });

      test("a filter one character over the limit is 400 saying how long it may be", async () => {
        const reply = await http(base, "GET", `/v1/projects/${uniqueProject("filter-over")}/occurrences?filter=${q(longFilter(maxFilterLength + 1))}`);
        assert.equal(reply.status, 400);
        assert.equal(reply.json.error.status, "INVALID_ARGUMENT");
        assert.match(reply.json.error.message, new RegExp(`${maxFilterLength + 1} characters long; the maximum is ${maxFilterLength}`));
      });

      for (const transport of transportNames) {
        test(`${transport}: an over-long filter is INVALID_ARGUMENT through the client`, async () => {
          const client = transport === "gRPC" ? clients.grpc : clients.rest;
          await expectFailure(
            transport,
            client.listNotes({ parent: `projects/${uniqueProject("filter-client")}`, filter: longFilter(maxFilterLength * 2) }),
            "INVALID_ARGUMENT",
          );
        });
      }
    });

    describe("batch size", () => {
      for (const transport of transportNames) {
        const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);

        test(`${transport}: 1001 occurrences in one batch are INVALID_ARGUMENT and nothing is written`, async () => {
          const p = uniqueProject("batch-1001");
          await client().createNote({ parent: `projects/${p}`, noteId: "qa", note: attestationNote() });
          const occurrences = Array.from({ length: 1001 }, (_, i) => attestationOccurrence(`projects/${p}/notes/qa`, imageUrl(`${i}`)));
          const failure = await expectFailure(transport, client().batchCreateOccurrences({ parent: `projects/${p}`, occurrences }), "INVALID_ARGUMENT");
          assert.match(failure.message, /1001 is too many occurrences .* maximum of 1000/);
          const [listed] = await client().listOccurrences({ parent: `projects/${p}` }, { autoPaginate: false });
          assert.deepEqual(listed, []);
        });

        test(`${transport}: 1001 notes in one batch are INVALID_ARGUMENT`, async () => {
          const notes = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`n${i}`, attestationNote()]));
          const failure = await expectFailure(transport, client().batchCreateNotes({ parent: `projects/${uniqueProject("batch-notes-1001")}`, notes }), "INVALID_ARGUMENT");
          assert.match(failure.message, /1001 is too many notes/);
        });

        test(`${transport}: exactly 1000 occurrences in one batch are accepted`, async () => {
          const p = uniqueProject("batch-1000");
          await client().createNote({ parent: `projects/${p}`, noteId: "qa", note: attestationNote() });
          const occurrences = Array.from({ length: 1000 }, (_, i) => attestationOccurrence(`projects/${p}/notes/qa`, imageUrl(`${i}`)));
          const [response] = await client().batchCreateOccurrences({ parent: `projects/${p}`, occurrences });
          assert.equal(response.occurrences?.length, 1000);
        });
      }
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
