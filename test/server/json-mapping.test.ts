/**
 * The proto3 JSON mapping on the REST edge, seen from plain HTTP: camelCase
 * keys, RFC 3339 timestamps, enums as names (or integers on request), bytes as
 * base64, int64 as strings, and both spellings of query parameters and
 * field-mask paths.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { grpcGrafeasClient, type GrafeasClient } from "../support/grafeas-clients.js";
import { attestationNote, imageUrl, millisOf, vulnerabilityNote, vulnerabilityOccurrence } from "../support/grafeas-fixtures.js";
import { http, okJson as ok, q } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const intEnums = "$alt=json;enum-encoding=int";

/** Every object key in a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [key, ...keysOf(child)]);
}

/** Bytes that are not valid UTF-8 and whose base64 uses `+` and `/`. */
const binaryPayload = Buffer.from([0x00, 0xff, 0xfe, 0xfb, 0xef, 0x3e, 0x3f, 0x80, 0x0a, 0x7f]);
const binarySignature = Buffer.from([0xfa, 0xce, 0xb0, 0x0c, 0x00, 0x01, 0xfc]);

for (const store of storeKinds) {
  describe(`proto3 JSON mapping on REST (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let base: string;
    let grpcClient: GrafeasClient;

    before(async () => {
      server = await startTestServer({ store });
      base = server.baseUrl;
      grpcClient = grpcGrafeasClient(server.port);
    });

    after(async () => {
      await grpcClient?.close();
      await server?.close();
    });

    async function noteAndOccurrence(prefix: string) {
      const p = uniqueProject(prefix);
      const note = ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=cve`, { body: vulnerabilityNote() }));
      const occurrence = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, {
        body: vulnerabilityOccurrence(`projects/${p}/notes/cve`, imageUrl(p), "CRITICAL"),
      }));
      return { p, note, occurrence };
    }

    test("replies use lowerCamelCase keys and never the proto snake_case names", async () => {
      const { note, occurrence } = await noteAndOccurrence("camel");
      const keys = [...keysOf(note), ...keysOf(occurrence)];
      for (const key of ["shortDescription", "createTime", "updateTime", "cvssScore", "affectedCpeUri", "affectedPackage"]) {
        assert.ok(keys.includes(key), `missing ${key}`);
      }
      for (const key of ["resourceUri", "noteName", "packageIssue", "effectiveSeverity", "affectedVersion"]) {
        assert.ok(keys.includes(key), `missing ${key}`);
      }
      assert.deepEqual(keys.filter((k) => k.includes("_")), []);
    });

    test("timestamps are RFC 3339 strings in UTC naming the instant the gRPC client sees", async () => {
      const { p, note } = await noteAndOccurrence("rfc3339");
      assert.match(note.createTime, rfc3339);
      assert.match(note.updateTime, rfc3339);
      const [viaGrpc] = await grpcClient.getNote({ name: `projects/${p}/notes/cve` });
      assert.equal(Date.parse(note.createTime), millisOf(viaGrpc.createTime));
    });

    test("enums are names by default", async () => {
      const { note, occurrence } = await noteAndOccurrence("enum-names");
      assert.equal(note.kind, "VULNERABILITY");
      assert.equal(note.vulnerability.severity, "HIGH");
      assert.equal(occurrence.kind, "VULNERABILITY");
      assert.equal(occurrence.vulnerability.effectiveSeverity, "CRITICAL");
      assert.equal(occurrence.vulnerability.packageIssue[0].affectedVersion.kind, "NORMAL");
    });

    test("enums are integers with $alt=json;enum-encoding=int, on gets and lists", async () => {
      const { p, occurrence } = await noteAndOccurrence("enum-ints");
      const note = ok(await http(base, "GET", `/v1/projects/${p}/notes/cve?${intEnums}`));
      assert.equal(note.kind, 1);
      assert.equal(note.vulnerability.severity, 4);
      const list = ok(await http(base, "GET", `/v1/projects/${p}/occurrences?${intEnums}`));
      assert.equal(list.occurrences[0].kind, 1);
      assert.equal(list.occurrences[0].vulnerability.effectiveSeverity, 5);
      assert.equal(list.occurrences[0].vulnerability.packageIssue[0].affectedVersion.kind, 1);
      assert.equal(list.occurrences[0].name, occurrence.name);
    });

    test("the $alt parameter may be percent-encoded the way google-gax sends it", async () => {
      const { p } = await noteAndOccurrence("enum-encoded");
      const note = ok(await http(base, "GET", `/v1/projects/${p}/notes/cve?%24alt=json%3Benum-encoding%3Dint`));
      assert.equal(note.kind, 1);
    });

    test("integer enums are accepted in request bodies", async () => {
      const p = uniqueProject("enum-input");
      const body = vulnerabilityNote() as { vulnerability: Record<string, unknown> };
      const note = ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=cve`, {
        body: { ...body, vulnerability: { ...body.vulnerability, severity: 5 } },
      }));
      assert.equal(note.vulnerability.severity, "CRITICAL");
      const occurrence = vulnerabilityOccurrence(`projects/${p}/notes/cve`, imageUrl(p), "LOW");
      const created = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, {
        body: {
          ...occurrence,
          vulnerability: {
            ...occurrence.vulnerability,
            effectiveSeverity: 3,
            packageIssue: [{ ...occurrence.vulnerability.packageIssue[0], affectedVersion: { name: "1.0", kind: 1 }, fixedVersion: { kind: 3 } }],
          },
        },
      }));
      assert.equal(created.vulnerability.effectiveSeverity, "MEDIUM");
      assert.equal(created.vulnerability.packageIssue[0].fixedVersion.kind, "MAXIMUM");
    });

    test("attestation bytes travel as base64 and come back byte for byte, over REST and gRPC", async () => {
      const p = uniqueProject("bytes");
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
      const sent = {
        resourceUri: imageUrl(p),
        noteName: `projects/${p}/notes/qa`,
        attestation: {
          serializedPayload: binaryPayload.toString("base64"),
          signatures: [{ signature: binarySignature.toString("base64"), publicKeyId: "ni:///sha-256;abc" }],
        },
      };
      const created = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, { body: sent }));
      const read = ok(await http(base, "GET", `/v1/${created.name}`));
      assert.equal(read.attestation.serializedPayload, binaryPayload.toString("base64"));
      assert.equal(read.attestation.signatures[0].signature, binarySignature.toString("base64"));
      const [viaGrpc] = await grpcClient.getOccurrence({ name: created.name });
      assert.deepEqual(Buffer.from(viaGrpc.attestation!.serializedPayload as Uint8Array), binaryPayload);
      assert.deepEqual(Buffer.from(viaGrpc.attestation!.signatures![0]!.signature as Uint8Array), binarySignature);
    });

    test("URL-safe unpadded base64 is accepted on input and answered as standard base64", async () => {
      const p = uniqueProject("base64url");
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
      const created = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, {
        body: {
          resourceUri: imageUrl(p),
          noteName: `projects/${p}/notes/qa`,
          attestation: {
            serializedPayload: binaryPayload.toString("base64url"),
            signatures: [{ signature: binarySignature.toString("base64url"), publicKeyId: "k" }],
          },
        },
      }));
      assert.equal(created.attestation.serializedPayload, binaryPayload.toString("base64"));
      assert.equal(created.attestation.signatures[0].signature, binarySignature.toString("base64"));
    });

    test("int64 values are JSON strings and keep every digit", async () => {
      const p = uniqueProject("int64");
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=build`, { body: { build: { builderVersion: "1" } } }));
      const beyondDoubles = "9007199254740993";
      const created = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, {
        body: {
          resourceUri: imageUrl(p),
          noteName: `projects/${p}/notes/build`,
          build: { intotoProvenance: { recipe: { type: "make", definedInMaterial: beyondDoubles } } },
        },
      }));
      assert.equal(created.build.intotoProvenance.recipe.definedInMaterial, beyondDoubles);
      const read = ok(await http(base, "GET", `/v1/${created.name}`));
      assert.equal(read.build.intotoProvenance.recipe.definedInMaterial, beyondDoubles);
    });

    test("request bodies may use proto field names as well as JSON names", async () => {
      const p = uniqueProject("proto-names");
      const note = ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, {
        body: { short_description: "snake", long_description: "case", attestation: { hint: { human_readable_name: "qa" } } },
      }));
      assert.equal(note.shortDescription, "snake");
      assert.equal(note.longDescription, "case");
      assert.equal(note.attestation.hint.humanReadableName, "qa");
    });

    for (const [label, noteIdParameter] of [["noteId", "noteId"], ["note_id", "note_id"]] as const) {
      test(`CreateNote takes the note ID as ${label}`, async () => {
        const p = uniqueProject("note-id-param");
        assert.equal(ok(await http(base, "POST", `/v1/projects/${p}/notes?${noteIdParameter}=qa`, { body: attestationNote() })).name, `projects/${p}/notes/qa`);
      });
    }

    for (const [sizeName, tokenName] of [["pageSize", "pageToken"], ["page_size", "page_token"]] as const) {
      test(`list calls take ${sizeName} and ${tokenName}`, async () => {
        const p = uniqueProject("page-params");
        ok(await http(base, "POST", `/v1/projects/${p}/notes:batchCreate`, {
          body: { notes: { a: attestationNote("a"), b: attestationNote("b"), c: attestationNote("c") } },
        }));
        const first = ok(await http(base, "GET", `/v1/projects/${p}/notes?${sizeName}=2`));
        assert.equal(first.notes.length, 2);
        assert.equal(typeof first.nextPageToken, "string");
        const second = ok(await http(base, "GET", `/v1/projects/${p}/notes?${sizeName}=2&${tokenName}=${q(first.nextPageToken)}`));
        assert.equal(second.notes.length, 1);
        assert.equal(second.nextPageToken, undefined);
        const all = [...first.notes, ...second.notes].map((n: { name: string }) => n.name).sort();
        assert.deepEqual(all, ["a", "b", "c"].map((id) => `projects/${p}/notes/${id}`));
      });
    }

    for (const [parameter, path] of [
      ["updateMask", "short_description"],
      ["updateMask", "shortDescription"],
      ["update_mask", "shortDescription"],
      ["update_mask", "short_description"],
    ] as const) {
      test(`${parameter}=${path} updates only shortDescription`, async () => {
        const p = uniqueProject("mask-spelling");
        const created = ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
        const updated = ok(await http(base, "PATCH", `/v1/projects/${p}/notes/qa?${parameter}=${path}`, {
          body: { shortDescription: "new", longDescription: "must not be written" },
        }));
        assert.equal(updated.shortDescription, "new");
        assert.equal(updated.longDescription, created.longDescription);
      });
    }

    test("a nested mask path in either spelling updates only that leaf", async () => {
      const p = uniqueProject("mask-nested");
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
      const updated = ok(await http(base, "PATCH", `/v1/projects/${p}/notes/qa?updateMask=attestation.hint.human_readable_name,longDescription`, {
        body: { shortDescription: "ignored", longDescription: "long", attestation: { hint: { humanReadableName: "prod" } } },
      }));
      assert.equal(updated.attestation.hint.humanReadableName, "prod");
      assert.equal(updated.longDescription, "long");
      assert.equal(updated.shortDescription, "the qa attestation authority");
    });

    test("empty replies (deletes) are {}", async () => {
      const p = uniqueProject("empty");
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
      const reply = await http(base, "DELETE", `/v1/projects/${p}/notes/qa`);
      assert.equal(reply.status, 200);
      assert.equal(reply.text, "{}");
      assert.match(reply.headers.get("content-type") ?? "", /^application\/json/);
    });

    test("an empty list is {} with no empty array and no empty token", async () => {
      const reply = await http(base, "GET", `/v1/projects/${uniqueProject("empty-list")}/occurrences`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, {});
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
