/**
 * Errors as clients see them: the canonical codes over gRPC (3/5/6/9) and
 * REST (400/404/409/412) in Google's error body, and no client mistake — bad
 * JSON, wrong types, unknown fields, bad names, filters, tokens or sizes —
 * ever turning into a 500.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import {
  expectFailure,
  grafeasClients,
  transportNames,
  type GrafeasClients,
} from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl } from "../support/grafeas-fixtures.js";
import { http, q, type HttpReply } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

/** Checks that a reply is exactly Google's error shape and returns its `error`. */
function googleError(reply: HttpReply, status: number, code: string) {
  assert.equal(reply.status, status, reply.text);
  assert.match(reply.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(Object.keys(reply.json), ["error"]);
  const error = reply.json.error;
  assert.deepEqual(Object.keys(error).sort(), ["code", "details", "message", "status"]);
  assert.equal(error.code, status);
  assert.equal(error.status, code);
  assert.equal(typeof error.message, "string");
  assert.ok(Array.isArray(error.details));
  return error as { code: number; message: string; status: string; details: { fieldViolations?: { field: string }[] }[] };
}

interface MistakeCase {
  readonly what: string;
  readonly method: string;
  /** `P` is replaced by a project that holds note `qa`. */
  readonly path: string;
  readonly body?: string;
  readonly status?: number;
  readonly message: RegExp;
}

const mistakes: readonly MistakeCase[] = [
  { what: "malformed JSON", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"shortDescription":', message: /not valid JSON/ },
  { what: "a string field given a number", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"shortDescription":5}', message: /short_description/ },
  { what: "an object field given a string", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"attestation":"qa"}', message: /grafeas\.v1\.AttestationNote/ },
  { what: "a float field given text", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"vulnerability":{"cvssScore":"high"}}', message: /cvss_score/ },
  { what: "an unknown body field", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"attestationAuthority":{}}', message: /attestationAuthority/ },
  { what: "a JSON array as the body", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: "[]", message: /Note/ },
  { what: "a JSON string as the body", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '"note"', message: /Note/ },
  { what: "a null body", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: "null", message: /^note is required$/ },
  { what: "an unknown enum name", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"vulnerability":{"severity":"SEVERE"}}', message: /grafeas\.v1\.Severity/ },
  { what: "bytes that are not base64", method: "POST", path: "/v1/projects/P/occurrences", body: '{"resourceUri":"u","noteName":"projects/P/notes/qa","attestation":{"serializedPayload":"***"}}', message: /base64/ },
  { what: "a timestamp that is not RFC 3339", method: "POST", path: "/v1/projects/P/notes?noteId=n", body: '{"expirationTime":"next tuesday","build":{"builderVersion":"1"}}', message: /RFC 3339/ },
  { what: "batch occurrences given as an object", method: "POST", path: "/v1/projects/P/occurrences:batchCreate", body: '{"occurrences":{}}', message: /occurrences/ },
  { what: "an empty batch", method: "POST", path: "/v1/projects/P/notes:batchCreate", body: '{"notes":{}}', message: /at least one note/ },
  { what: "a missing noteId", method: "POST", path: "/v1/projects/P/notes", body: '{"build":{"builderVersion":"1"}}', message: /noteId: is required/ },
  { what: "a noteId with a character IDs may not use", method: "POST", path: "/v1/projects/P/notes?noteId=a%20b", body: '{"build":{"builderVersion":"1"}}', message: /noteId: must be 1-256 characters/ },
  { what: "a project ID with an escaped slash", method: "GET", path: "/v1/projects/a%2Fb/notes", message: /parent must be in the form "projects\/\[PROJECT_ID\]"/ },
  { what: "a note ID with a disallowed character", method: "GET", path: "/v1/projects/P/notes/%24x", message: /note name must be in the form/ },
  { what: "an occurrence name with a malformed percent-escape", method: "GET", path: "/v1/projects/P/occurrences/%E0%A4%A", message: /percent-escape/ },
  { what: "a filter that does not parse", method: "GET", path: `/v1/projects/P/occurrences?filter=${q('kind = "ATTESTATION" AND')}`, message: /^invalid filter at column \d+: / },
  { what: "a filter on a field that does not exist", method: "GET", path: `/v1/projects/P/notes?filter=${q('colour = "red"')}`, message: /^invalid filter at column 1: unknown field "colour"/ },
  { what: "a filter comparing a timestamp with a number", method: "GET", path: `/v1/projects/P/occurrences?filter=${q("createTime > 5")}`, message: /^invalid filter at column 14: expected an RFC 3339 timestamp/ },
  { what: "a page token the server never issued", method: "GET", path: "/v1/projects/P/notes?pageToken=bm90LWEtdG9rZW4.AAAA", message: /^invalid page token/ },
  { what: "a negative page size", method: "GET", path: "/v1/projects/P/occurrences?pageSize=-1", message: /page_size must not be negative/ },
  { what: "a page size that is not a number", method: "GET", path: "/v1/projects/P/occurrences?pageSize=ten", message: /pageSize.*32-bit integer/ },
  { what: "a page size beyond 32 bits", method: "GET", path: "/v1/projects/P/notes?page_size=4294967296", message: /32-bit integer/ },
  { what: "an unknown query parameter", method: "GET", path: "/v1/projects/P/notes?colour=red", message: /unknown query parameter: colour/ },
  { what: "a repeated singular query parameter", method: "GET", path: "/v1/projects/P/notes?pageSize=1&pageSize=2", message: /more than once/ },
  { what: "an unsupported $alt", method: "GET", path: "/v1/projects/P/notes?$alt=proto", message: /\$alt=proto is not supported/ },
  { what: "an update mask path that reaches into a list", method: "PATCH", path: "/v1/projects/P/notes/qa?updateMask=relatedUrl.url", body: "{}", message: /update_mask path "related_url\.url" reaches inside a list/ },
  { what: "a project body without a name", method: "POST", path: "/v1/projects", body: "{}", message: /project\.name is required/ },
];

for (const store of storeKinds) {
  describe(`errors as clients see them (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let clients: GrafeasClients;
    let base: string;
    let project: string;

    before(async () => {
      server = await startTestServer({ store });
      base = server.baseUrl;
      clients = grafeasClients(server.port);
      project = uniqueProject("errors");
      await clients.grpc.createNote({ parent: `projects/${project}`, noteId: "qa", note: attestationNote() });
    });

    after(async () => {
      await clients?.close();
      await server?.close();
    });

    for (const transport of transportNames) {
      const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);

      test(`${transport}: INVALID_ARGUMENT travels as ${transport === "gRPC" ? "code 3" : "HTTP 400"}`, async () => {
        const failure = await expectFailure(transport, client().createNote({ parent: `projects/${project}`, noteId: "", note: attestationNote() }), "INVALID_ARGUMENT");
        assert.deepEqual(failure.violations, [{ field: "noteId", description: "is required" }]);
      });

      test(`${transport}: NOT_FOUND travels as ${transport === "gRPC" ? "code 5" : "HTTP 404"}`, async () => {
        const failure = await expectFailure(transport, client().getNote({ name: `projects/${project}/notes/absent` }), "NOT_FOUND");
        assert.equal(failure.message, `note "projects/${project}/notes/absent" not found`);
      });

      test(`${transport}: ALREADY_EXISTS travels as ${transport === "gRPC" ? "code 6" : "HTTP 409"}`, async () => {
        const failure = await expectFailure(transport, client().createNote({ parent: `projects/${project}`, noteId: "qa", note: attestationNote() }), "ALREADY_EXISTS");
        assert.equal(failure.message, `note "projects/${project}/notes/qa" already exists`);
      });

      test(`${transport}: FAILED_PRECONDITION travels as ${transport === "gRPC" ? "code 9" : "HTTP 412"}`, async () => {
        const failure = await expectFailure(
          transport,
          client().createOccurrence({ parent: `projects/${project}`, occurrence: attestationOccurrence(`projects/${project}/notes/absent`, imageUrl("x")) }),
          "FAILED_PRECONDITION",
        );
        assert.match(failure.message, /notes\/absent/);
      });

      test(`${transport}: a malformed filter is INVALID_ARGUMENT with the column of the mistake`, async () => {
        const failure = await expectFailure(transport, client().listOccurrences({ parent: `projects/${project}`, filter: 'kind = = "ATTESTATION"' }), "INVALID_ARGUMENT");
        assert.equal(failure.message, 'invalid filter at column 8: expected a value after "=", found "="');
        assert.deepEqual(failure.violations.map((v) => v.field), ["filter"]);
      });

      test(`${transport}: a forged page token is INVALID_ARGUMENT`, async () => {
        const failure = await expectFailure(
          transport,
          client().listNotes({ parent: `projects/${project}`, pageToken: "forged.token" }, { autoPaginate: false }),
          "INVALID_ARGUMENT",
        );
        assert.match(failure.message, /^invalid page token/);
      });

      test(`${transport}: a negative page size is INVALID_ARGUMENT`, async () => {
        await expectFailure(transport, client().listNotes({ parent: `projects/${project}`, pageSize: -5 }, { autoPaginate: false }), "INVALID_ARGUMENT");
      });

      test(`${transport}: a malformed parent is INVALID_ARGUMENT naming the expected form`, async () => {
        const failure = await expectFailure(transport, client().listNotes({ parent: "projects/a b" }), "INVALID_ARGUMENT");
        assert.equal(failure.message, 'parent must be in the form "projects/[PROJECT_ID]", got "projects/a b"');
      });
    }

    describe("REST client mistakes are 4xx with Google's error body, never 500", () => {
      for (const mistake of mistakes) {
        test(`${mistake.what} is ${mistake.status ?? 400}`, async () => {
          const path = mistake.path.replaceAll("/P/", `/${project}/`);
          const body = mistake.body?.replaceAll("projects/P/", `projects/${project}/`);
          const reply = await http(base, mistake.method, path, body === undefined ? {} : { body, contentType: "application/json" });
          const error = googleError(reply, mistake.status ?? 400, "INVALID_ARGUMENT");
          assert.match(error.message, mistake.message);
        });
      }

      test("an unknown path is 404 NOT_FOUND in Google's shape", async () => {
        const error = googleError(await http(base, "GET", "/v1/projects/p/widgets"), 404, "NOT_FOUND");
        assert.match(error.message, /no API method is at GET \/v1\/projects\/p\/widgets/);
      });

      test("a known path with the wrong method is 405 with an Allow header", async () => {
        const reply = await http(base, "PUT", `/v1/projects/${project}/notes/qa`, { body: "{}" });
        googleError(reply, 405, "UNIMPLEMENTED");
        assert.equal(reply.headers.get("allow"), "DELETE, GET, PATCH");
      });

      test("an unknown body field is named in details[0].fieldViolations", async () => {
        const reply = await http(base, "POST", `/v1/projects/${project}/notes?noteId=n`, { body: '{"colour":"red"}' });
        const error = googleError(reply, 400, "INVALID_ARGUMENT");
        assert.deepEqual(error.details[0]?.fieldViolations?.map((v) => v.field), ["colour"]);
      });

      test("a failure names nothing of the server's internals", async () => {
        const reply = await http(base, "GET", `/v1/projects/${project}/occurrences?filter=${q("name = 'x' AND )")}`);
        const error = googleError(reply, 400, "INVALID_ARGUMENT");
        assert.doesNotMatch(error.message, /SELECT|sqlite|at .*\.ts:\d+/i);
      });
    });

    test("a gRPC request whose bytes are not a message is INVALID_ARGUMENT", async () => {
      const raw = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
      try {
        const error = await new Promise<grpc.ServiceError>((resolve, reject) => {
          raw.makeUnaryRequest(
            "/grafeas.v1.Grafeas/GetNote",
            (bytes: Buffer) => bytes,
            (bytes: Buffer) => bytes,
            Buffer.from([0x0a, 0xff, 0xff, 0xff]),
            new grpc.Metadata(),
            { deadline: Date.now() + 10_000 },
            (e) => (e ? resolve(e) : reject(new Error("the call succeeded"))),
          );
        });
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
        assert.match(error.details, /not a valid grafeas\.v1\.GetNoteRequest/);
      } finally {
        raw.close();
      }
    });

    test("no client mistake made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
