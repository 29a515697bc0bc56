/**
 * The REST surface as curl reaches it: every grafeas.v1 RPC under its
 * `projects/*\/locations/*` binding, the Projects service (over plain HTTP and
 * over gRPC), and request bodies sent the ways curl sends them.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { attestationNote, attestationOccurrence, buildNote, generatedOccurrenceName, imageUrl } from "../support/grafeas-fixtures.js";
import { http, okJson as ok } from "../support/http.js";
import { ProjectsGrpcClient } from "../support/projects-grpc-client.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

/** The occurrence body as JSON text (bytes as base64), what a curl user writes in a file. */
function occurrenceJson(noteName: string, resourceUri: string) {
  const occurrence = attestationOccurrence(noteName, resourceUri);
  return {
    ...occurrence,
    attestation: {
      serializedPayload: occurrence.attestation.serializedPayload.toString("base64"),
      signatures: occurrence.attestation.signatures.map((s) => ({
        signature: s.signature.toString("base64"),
        publicKeyId: s.publicKeyId,
      })),
    },
  };
}

for (const store of storeKinds) {
  describe(`REST bindings over plain HTTP (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let base: string;

    before(async () => {
      server = await startTestServer({ store });
      base = server.baseUrl;
    });

    after(async () => {
      await server?.close();
    });

    /** A project with note `qa` and one occurrence of it, made through the plain paths. */
    async function seed(prefix: string) {
      const p = uniqueProject(prefix);
      ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
      const occurrence = ok(await http(base, "POST", `/v1/projects/${p}/occurrences`, { body: occurrenceJson(`projects/${p}/notes/qa`, imageUrl(p)) }));
      return { p, loc: `/v1/projects/${p}/locations/us-east1`, occurrenceId: (occurrence.name as string).split("/").pop()!, occurrence };
    }

    describe("every RPC answers under projects/*/locations/*, with location-free names", () => {
      test("CreateNote: POST …/locations/L/notes?noteId=N", async () => {
        const p = uniqueProject("loc-create-note");
        const note = ok(await http(base, "POST", `/v1/projects/${p}/locations/us-east1/notes?noteId=qa`, { body: attestationNote() }));
        assert.equal(note.name, `projects/${p}/notes/qa`);
        assert.equal(ok(await http(base, "GET", `/v1/projects/${p}/notes/qa`)).name, `projects/${p}/notes/qa`);
      });

      test("GetNote: GET …/locations/L/notes/N", async () => {
        const { p, loc } = await seed("loc-get-note");
        assert.equal(ok(await http(base, "GET", `${loc}/notes/qa`)).name, `projects/${p}/notes/qa`);
      });

      test("ListNotes: GET …/locations/L/notes", async () => {
        const { p, loc } = await seed("loc-list-notes");
        assert.deepEqual(ok(await http(base, "GET", `${loc}/notes`)).notes.map((n: { name: string }) => n.name), [`projects/${p}/notes/qa`]);
      });

      test("BatchCreateNotes: POST …/locations/L/notes:batchCreate", async () => {
        const p = uniqueProject("loc-batch-notes");
        const reply = ok(await http(base, "POST", `/v1/projects/${p}/locations/eu/notes:batchCreate`, { body: { notes: { a: buildNote(), b: buildNote() } } }));
        assert.deepEqual(reply.notes.map((n: { name: string }) => n.name).sort(), [`projects/${p}/notes/a`, `projects/${p}/notes/b`]);
      });

      test("UpdateNote: PATCH …/locations/L/notes/N", async () => {
        const { p, loc } = await seed("loc-update-note");
        const note = ok(await http(base, "PATCH", `${loc}/notes/qa?updateMask=shortDescription`, { body: { shortDescription: "via a location" } }));
        assert.equal(note.shortDescription, "via a location");
        assert.equal(ok(await http(base, "GET", `/v1/projects/${p}/notes/qa`)).shortDescription, "via a location");
      });

      test("DeleteNote: DELETE …/locations/L/notes/N", async () => {
        const p = uniqueProject("loc-delete-note");
        ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: attestationNote() }));
        assert.deepEqual(ok(await http(base, "DELETE", `/v1/projects/${p}/locations/us/notes/qa`)), {});
        assert.equal((await http(base, "GET", `/v1/projects/${p}/notes/qa`)).status, 404);
      });

      test("CreateOccurrence: POST …/locations/L/occurrences, with a located note name made canonical", async () => {
        const { p, loc } = await seed("loc-create-occ");
        const occurrence = ok(await http(base, "POST", `${loc}/occurrences`, { body: occurrenceJson(`projects/${p}/locations/us-east1/notes/qa`, imageUrl("x")) }));
        assert.match(occurrence.name, generatedOccurrenceName(p));
        assert.equal(occurrence.noteName, `projects/${p}/notes/qa`);
      });

      test("BatchCreateOccurrences: POST …/locations/L/occurrences:batchCreate", async () => {
        const { p, loc } = await seed("loc-batch-occ");
        const reply = ok(await http(base, "POST", `${loc}/occurrences:batchCreate`, {
          body: { occurrences: [occurrenceJson(`projects/${p}/notes/qa`, imageUrl("1")), occurrenceJson(`projects/${p}/notes/qa`, imageUrl("2"))] },
        }));
        assert.equal(reply.occurrences.length, 2);
        for (const o of reply.occurrences) assert.match(o.name, generatedOccurrenceName(p));
      });

      test("GetOccurrence: GET …/locations/L/occurrences/O", async () => {
        const { loc, occurrenceId, occurrence } = await seed("loc-get-occ");
        assert.deepEqual(ok(await http(base, "GET", `${loc}/occurrences/${occurrenceId}`)), occurrence);
      });

      test("ListOccurrences: GET …/locations/L/occurrences", async () => {
        const { loc, occurrence } = await seed("loc-list-occ");
        assert.deepEqual(ok(await http(base, "GET", `${loc}/occurrences`)), { occurrences: [occurrence] });
      });

      test("UpdateOccurrence: PATCH …/locations/L/occurrences/O", async () => {
        const { loc, occurrenceId } = await seed("loc-update-occ");
        const updated = ok(await http(base, "PATCH", `${loc}/occurrences/${occurrenceId}?updateMask=remediation`, { body: { remediation: "patch it" } }));
        assert.equal(updated.remediation, "patch it");
      });

      test("DeleteOccurrence: DELETE …/locations/L/occurrences/O", async () => {
        const { p, loc, occurrenceId } = await seed("loc-delete-occ");
        assert.deepEqual(ok(await http(base, "DELETE", `${loc}/occurrences/${occurrenceId}`)), {});
        assert.equal((await http(base, "GET", `/v1/projects/${p}/occurrences/${occurrenceId}`)).status, 404);
      });

      test("GetOccurrenceNote: GET …/locations/L/occurrences/O/notes", async () => {
        const { p, loc, occurrenceId } = await seed("loc-occ-note");
        assert.equal(ok(await http(base, "GET", `${loc}/occurrences/${occurrenceId}/notes`)).name, `projects/${p}/notes/qa`);
      });

      test("ListNoteOccurrences: GET …/locations/L/notes/N/occurrences", async () => {
        const { loc, occurrence } = await seed("loc-note-occs");
        assert.deepEqual(ok(await http(base, "GET", `${loc}/notes/qa/occurrences`)), { occurrences: [occurrence] });
      });
    });

    describe("the Projects service over plain HTTP", () => {
      test("POST /v1/projects creates a project that GET then returns", async () => {
        const p = uniqueProject("proj-create");
        assert.deepEqual(ok(await http(base, "POST", "/v1/projects", { body: { name: `projects/${p}` } })), { name: `projects/${p}` });
        assert.deepEqual(ok(await http(base, "GET", `/v1/projects/${p}`)), { name: `projects/${p}` });
      });

      test("GET /v1/projects lists created projects and the projects notes were written into", async () => {
        const created = uniqueProject("proj-list");
        const implicit = uniqueProject("proj-list-implicit");
        ok(await http(base, "POST", "/v1/projects", { body: { name: `projects/${created}` } }));
        ok(await http(base, "POST", `/v1/projects/${implicit}/notes?noteId=qa`, { body: attestationNote() }));
        const names = ok(await http(base, "GET", "/v1/projects?pageSize=1000")).projects.map((x: { name: string }) => x.name);
        assert.ok(names.includes(`projects/${created}`));
        assert.ok(names.includes(`projects/${implicit}`));
      });

      test("DELETE /v1/projects/P removes an empty project", async () => {
        const p = uniqueProject("proj-delete");
        ok(await http(base, "POST", "/v1/projects", { body: { name: `projects/${p}` } }));
        assert.deepEqual(ok(await http(base, "DELETE", `/v1/projects/${p}`)), {});
        const missing = await http(base, "GET", `/v1/projects/${p}`);
        assert.equal(missing.status, 404);
        assert.equal(missing.json.error.status, "NOT_FOUND");
      });

      test("creating a project twice is 409 ALREADY_EXISTS", async () => {
        const p = uniqueProject("proj-twice");
        ok(await http(base, "POST", "/v1/projects", { body: { name: `projects/${p}` } }));
        const again = await http(base, "POST", "/v1/projects", { body: { name: `projects/${p}` } });
        assert.equal(again.status, 409);
        assert.equal(again.json.error.status, "ALREADY_EXISTS");
      });

      test("a project name not of the form projects/ID is 400 naming the field", async () => {
        const reply = await http(base, "POST", "/v1/projects", { body: { name: "image-signing" } });
        assert.equal(reply.status, 400);
        assert.match(reply.json.error.message, /^project\.name must be in the form "projects\/\[PROJECT_ID\]"/);
      });

      test("deleting a project that still holds notes is 412 FAILED_PRECONDITION and deletes nothing", async () => {
        const { p } = await seed("proj-busy");
        const reply = await http(base, "DELETE", `/v1/projects/${p}`);
        assert.equal(reply.status, 412);
        assert.equal(reply.json.error.status, "FAILED_PRECONDITION");
        ok(await http(base, "GET", `/v1/projects/${p}/notes/qa`));
        ok(await http(base, "GET", `/v1/projects/${p}`));
      });
    });

    describe("the Projects service over gRPC", () => {
      let projects: ProjectsGrpcClient;
      before(() => {
        projects = new ProjectsGrpcClient(server.port);
      });
      after(() => projects?.close());

      test("CreateProject, GetProject, ListProjects and DeleteProject work over gRPC", async () => {
        const p = uniqueProject("grpc-proj");
        assert.equal((await projects.createProject(`projects/${p}`)).name, `projects/${p}`);
        assert.equal((await projects.getProject(`projects/${p}`)).name, `projects/${p}`);
        const listed = await projects.listProjects({ pageSize: 1000 });
        assert.ok(listed.projects.some((x) => x.name === `projects/${p}`));
        await projects.deleteProject(`projects/${p}`);
        await assert.rejects(projects.getProject(`projects/${p}`), { code: 5 });
      });

      test("a project created over gRPC is visible over REST", async () => {
        const p = uniqueProject("grpc-proj-rest");
        await projects.createProject(`projects/${p}`);
        assert.deepEqual(ok(await http(base, "GET", `/v1/projects/${p}`)), { name: `projects/${p}` });
      });

      test("a bad project name over gRPC is INVALID_ARGUMENT (3)", async () => {
        await assert.rejects(projects.createProject("not-a-project"), { code: 3 });
      });
    });

    describe("request bodies the way curl sends them", () => {
      const bodyTypes: readonly [string, string | null][] = [
        ["curl -d @note.json (application/x-www-form-urlencoded)", "application/x-www-form-urlencoded"],
        ["-H 'Content-Type: application/json'", "application/json"],
        ["application/json; charset=utf-8", "application/json; charset=utf-8"],
        ["text/plain", "text/plain"],
        ["no Content-Type at all", null],
      ];
      for (const [label, contentType] of bodyTypes) {
        test(`a JSON body declared as ${label} is read as JSON`, async () => {
          const p = uniqueProject("curl-body");
          const reply = await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: JSON.stringify(attestationNote()), contentType });
          assert.equal(ok(reply).name, `projects/${p}/notes/qa`);
          assert.equal(reply.json.attestation.hint.humanReadableName, "qa");
        });
      }

      test("a body declared as something other than JSON is 415 with a Google error body", async () => {
        const reply = await http(base, "POST", `/v1/projects/${uniqueProject("curl-xml")}/notes?noteId=qa`, { body: "<note/>", contentType: "application/xml" });
        assert.equal(reply.status, 415);
        assert.equal(reply.json.error.code, 415);
        assert.match(reply.json.error.message, /must be JSON/);
      });

      test("a note.json file with a trailing newline and indentation is accepted", async () => {
        const p = uniqueProject("curl-file");
        const file = `${JSON.stringify(attestationNote(), null, 2)}\n`;
        assert.equal(ok(await http(base, "POST", `/v1/projects/${p}/notes?noteId=qa`, { body: file })).name, `projects/${p}/notes/qa`);
      });
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
