/**
 * Grafeas semantics where upstream is silent or buggy, proven through the
 * official client over both transports (and raw HTTP where the wire shape is
 * the point): server-owned fields, update masks, atomic batches, project
 * isolation, notes and their occurrences, and validation messages.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  expectFailure,
  grafeasClients,
  rejection,
  transportNames,
  type GrafeasClients,
} from "../support/grafeas-clients.js";
import {
  attestationNote,
  attestationOccurrence,
  buildNote,
  generatedOccurrenceName,
  imageUrl,
  millisOf,
  sortedNames,
} from "../support/grafeas-fixtures.js";
import { http } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

for (const store of storeKinds) {
  describe(`Grafeas semantics (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let clients: GrafeasClients;

    before(async () => {
      server = await startTestServer({ store });
      clients = grafeasClients(server.port);
    });

    after(async () => {
      await clients?.close();
      await server?.close();
    });

    for (const transport of transportNames) {
      const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);
      const project = (what: string) => uniqueProject(`${transport.toLowerCase()}-${what}`);

      async function noteIn(p: string, noteId = "qa", note: object = attestationNote()) {
        const [created] = await client().createNote({ parent: `projects/${p}`, noteId, note });
        return created;
      }

      async function occurrenceIn(p: string, noteName: string, resource = imageUrl(p)) {
        const [created] = await client().createOccurrence({ parent: `projects/${p}`, occurrence: attestationOccurrence(noteName, resource) });
        return created;
      }

      describe(`${transport}: server-owned fields`, () => {
        test("kind is derived from the details and a kind the client sends is ignored", async () => {
          const p = project("kind");
          const note = await noteIn(p, "qa", { ...attestationNote(), kind: "BUILD" });
          assert.equal(note.kind, "ATTESTATION");
          const [occurrence] = await client().createOccurrence({
            parent: `projects/${p}`,
            occurrence: { ...attestationOccurrence(note.name!, imageUrl(p)), kind: "VULNERABILITY" },
          });
          assert.equal(occurrence.kind, "ATTESTATION");
        });

        test("kind is not taken from an update, even when the mask names it", async () => {
          const p = project("kind-update");
          await noteIn(p);
          const [updated] = await client().updateNote({
            name: `projects/${p}/notes/qa`,
            note: { kind: "BUILD" },
            updateMask: { paths: ["kind"] },
          });
          assert.equal(updated.kind, "ATTESTATION");
          const [read] = await client().getNote({ name: `projects/${p}/notes/qa` });
          assert.equal(read.kind, "ATTESTATION");
        });

        test("name, createTime and updateTime sent by the client are replaced by the server's", async () => {
          const p = project("times");
          const before = Date.now();
          const longAgo = { seconds: 978307200, nanos: 0 };
          const note = await noteIn(p, "qa", { ...attestationNote(), createTime: longAgo, updateTime: longAgo });
          assert.ok(millisOf(note.createTime) >= before - 1000, "createTime is the server's clock");
          assert.deepEqual(note.updateTime, note.createTime);
          const [occurrence] = await client().createOccurrence({
            parent: `projects/${p}`,
            occurrence: { ...attestationOccurrence(note.name!, imageUrl(p)), name: `projects/${p}/occurrences/chosen-by-client`, createTime: longAgo },
          });
          assert.match(occurrence.name ?? "", generatedOccurrenceName(p));
          assert.ok(millisOf(occurrence.createTime) >= before - 1000);
        });

        test("a note whose body name disagrees with parent and noteId is refused naming note.name", async () => {
          const p = project("note-name");
          const failure = await expectFailure(
            transport,
            client().createNote({ parent: `projects/${p}`, noteId: "qa", note: { ...attestationNote(), name: `projects/${p}/notes/other` } }),
            "INVALID_ARGUMENT",
          );
          assert.deepEqual(failure.violations.map((v) => v.field), ["note.name"]);
        });

        test("every occurrence gets its own server-generated ID", async () => {
          const p = project("ids");
          const note = await noteIn(p);
          const names = new Set<string>();
          for (let i = 0; i < 5; i++) names.add((await occurrenceIn(p, note.name!)).name!);
          assert.equal(names.size, 5);
          for (const name of names) assert.match(name, generatedOccurrenceName(p));
        });

        test("an update keeps createTime and moves updateTime forward", async () => {
          const p = project("update-times");
          const note = await noteIn(p);
          const [updated] = await client().updateNote({
            name: note.name!,
            note: { shortDescription: "again" },
            updateMask: { paths: ["shortDescription"] },
          });
          assert.deepEqual(updated.createTime, note.createTime);
          assert.ok(millisOf(updated.updateTime) >= millisOf(note.updateTime));
        });
      });

      describe(`${transport}: update masks`, () => {
        test("a mask merges only the listed fields", async () => {
          const p = project("mask-merge");
          const note = await noteIn(p);
          const [updated] = await client().updateNote({
            name: note.name!,
            note: { shortDescription: "short", longDescription: "long", attestation: { hint: { humanReadableName: "changed" } } },
            updateMask: { paths: ["long_description"] },
          });
          assert.equal(updated.longDescription, "long");
          assert.equal(updated.shortDescription, note.shortDescription);
          assert.equal(updated.attestation?.hint?.humanReadableName, "qa");
        });

        test("a masked field the request sets to its empty value is cleared", async () => {
          const p = project("mask-clear");
          const note = await noteIn(p);
          const [updated] = await client().updateNote({
            name: note.name!,
            note: { shortDescription: "" },
            updateMask: { paths: ["shortDescription"] },
          });
          assert.equal(updated.shortDescription, "");
          assert.equal(updated.longDescription, note.longDescription);
        });

        test("no mask replaces every mutable field", async () => {
          const p = project("no-mask");
          const note = await noteIn(p);
          const [updated] = await client().updateNote({
            name: note.name!,
            note: { shortDescription: "replaced", attestation: { hint: { humanReadableName: "prod" } } },
          });
          assert.equal(updated.shortDescription, "replaced");
          assert.equal(updated.longDescription, "", "a field absent from a full replace is cleared");
          assert.equal(updated.attestation?.hint?.humanReadableName, "prod");
          assert.equal(updated.name, note.name);
          assert.deepEqual(updated.createTime, note.createTime);
        });

        for (const [field, value] of [
          ["resourceUri", "https://registry.example/other@sha256:1"],
          ["noteName", "projects/elsewhere/notes/qa"],
        ] as const) {
          test(`changing the immutable ${field} is refused and the occurrence is unchanged`, async () => {
            const p = project(`immutable-${field.toLowerCase()}`);
            const note = await noteIn(p);
            await noteIn("elsewhere-" + p, "qa");
            const occurrence = await occurrenceIn(p, note.name!);
            const failure = await expectFailure(
              transport,
              client().updateOccurrence({ name: occurrence.name!, occurrence: { [field]: value }, updateMask: { paths: [field] } }),
              "INVALID_ARGUMENT",
            );
            assert.match(failure.message, new RegExp(`${field} is immutable`));
            const [read] = await client().getOccurrence({ name: occurrence.name! });
            assert.deepEqual(read, occurrence);
          });
        }

        test("an immutable field repeated with its current value is accepted", async () => {
          const p = project("immutable-same");
          const note = await noteIn(p);
          const occurrence = await occurrenceIn(p, note.name!);
          const [updated] = await client().updateOccurrence({
            name: occurrence.name!,
            occurrence: { resourceUri: occurrence.resourceUri, remediation: "fixed" },
            updateMask: { paths: ["resource_uri", "remediation"] },
          });
          assert.equal(updated.remediation, "fixed");
          assert.equal(updated.resourceUri, occurrence.resourceUri);
        });

        test("changing a note's details type is refused and the note is unchanged", async () => {
          const p = project("type-change");
          const note = await noteIn(p);
          const failure = await expectFailure(
            transport,
            client().updateNote({ name: note.name!, note: buildNote() }),
            "INVALID_ARGUMENT",
          );
          assert.match(failure.message, /kind\) cannot change/);
          const [read] = await client().getNote({ name: note.name! });
          assert.deepEqual(read, note);
        });

        test("a mask path that names no field is refused naming the path", async () => {
          const p = project("mask-unknown");
          const note = await noteIn(p);
          const failure = await expectFailure(
            transport,
            client().updateNote({ name: note.name!, note: { shortDescription: "x" }, updateMask: { paths: ["no_such_field"] } }),
            "INVALID_ARGUMENT",
          );
          assert.match(failure.message, /no_such_field/);
        });
      });

      describe(`${transport}: atomic batches`, () => {
        test("BatchCreateNotes with invalid items names every bad item and writes nothing", async () => {
          const p = project("batch-invalid");
          const failure = await expectFailure(
            transport,
            client().batchCreateNotes({
              parent: `projects/${p}`,
              notes: { good: attestationNote(), nohint: { attestation: { hint: {} } }, nodetails: { shortDescription: "x" } },
            }),
            "INVALID_ARGUMENT",
          );
          assert.deepEqual(failure.violations.map((v) => v.field).sort(), ['notes["nodetails"].type', 'notes["nohint"].attestation.hint.humanReadableName']);
          assert.match(failure.message, /^one or more notes are invalid, no notes were created: /);
          const [listed] = await client().listNotes({ parent: `projects/${p}` });
          assert.deepEqual(listed, []);
        });

        test("BatchCreateOccurrences with invalid items names every bad item by index and writes nothing", async () => {
          const p = project("batch-occ-invalid");
          const note = await noteIn(p);
          const good = attestationOccurrence(note.name!, imageUrl("good"));
          const failure = await expectFailure(
            transport,
            client().batchCreateOccurrences({
              parent: `projects/${p}`,
              occurrences: [good, { ...good, resourceUri: "" }, good, { ...good, noteName: "qa" }],
            }),
            "INVALID_ARGUMENT",
          );
          assert.deepEqual(failure.violations.map((v) => v.field), ["occurrences[1].resourceUri", "occurrences[3].noteName"]);
          const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
          assert.deepEqual(listed, []);
        });

        test("BatchCreateOccurrences with a missing note is FAILED_PRECONDITION naming the item and writes nothing", async () => {
          const p = project("batch-occ-missing");
          const note = await noteIn(p);
          const failure = await expectFailure(
            transport,
            client().batchCreateOccurrences({
              parent: `projects/${p}`,
              occurrences: [
                attestationOccurrence(note.name!, imageUrl("a")),
                attestationOccurrence(`projects/${p}/notes/missing`, imageUrl("b")),
              ],
            }),
            "FAILED_PRECONDITION",
          );
          assert.deepEqual(failure.violations.map((v) => v.field), ["occurrences[1]"]);
          assert.match(failure.violations[0]!.description, /projects\/.*\/notes\/missing/);
          const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
          assert.deepEqual(listed, []);
        });

        test("BatchCreateNotes with an existing ID is ALREADY_EXISTS and writes none of the others", async () => {
          const p = project("batch-dup");
          await noteIn(p, "taken");
          const failure = await expectFailure(
            transport,
            client().batchCreateNotes({ parent: `projects/${p}`, notes: { fresh: attestationNote(), taken: attestationNote() } }),
            "ALREADY_EXISTS",
          );
          assert.deepEqual(failure.violations.map((v) => v.field), ['notes["taken"]']);
          await expectFailure(transport, client().getNote({ name: `projects/${p}/notes/fresh` }), "NOT_FOUND");
        });
      });

      describe(`${transport}: project isolation`, () => {
        test("a note read through another project is NOT_FOUND", async () => {
          const p = project("iso-note");
          const intruder = project("iso-note-intruder");
          await noteIn(p);
          await noteIn(intruder, "other");
          await expectFailure(transport, client().getNote({ name: `projects/${intruder}/notes/qa` }), "NOT_FOUND");
        });

        test("an occurrence read, updated or deleted through another project is NOT_FOUND and unchanged", async () => {
          const p = project("iso-occ");
          const intruder = project("iso-occ-intruder");
          const note = await noteIn(p);
          const occurrence = await occurrenceIn(p, note.name!);
          const id = occurrence.name!.split("/").pop()!;
          const foreign = `projects/${intruder}/occurrences/${id}`;
          await expectFailure(transport, client().getOccurrence({ name: foreign }), "NOT_FOUND");
          await expectFailure(
            transport,
            client().updateOccurrence({ name: foreign, occurrence: { remediation: "hijacked" }, updateMask: { paths: ["remediation"] } }),
            "NOT_FOUND",
          );
          await expectFailure(transport, client().deleteOccurrence({ name: foreign }), "NOT_FOUND");
          await expectFailure(transport, client().getOccurrenceNote({ name: foreign }), "NOT_FOUND");
          const [read] = await client().getOccurrence({ name: occurrence.name! });
          assert.deepEqual(read, occurrence);
          const [intruderList] = await client().listOccurrences({ parent: `projects/${intruder}` });
          assert.deepEqual(intruderList, []);
        });

        test("a note updated or deleted through another project is NOT_FOUND and unchanged", async () => {
          const p = project("iso-note-write");
          const intruder = project("iso-note-write-intruder");
          const note = await noteIn(p);
          await expectFailure(
            transport,
            client().updateNote({ name: `projects/${intruder}/notes/qa`, note: { shortDescription: "hijacked" }, updateMask: { paths: ["shortDescription"] } }),
            "NOT_FOUND",
          );
          await expectFailure(transport, client().deleteNote({ name: `projects/${intruder}/notes/qa` }), "NOT_FOUND");
          const [read] = await client().getNote({ name: note.name! });
          assert.deepEqual(read, note);
        });
      });

      describe(`${transport}: notes and their occurrences`, () => {
        test("an occurrence of a missing note is FAILED_PRECONDITION naming the note", async () => {
          const p = project("needs-note");
          const failure = await expectFailure(
            transport,
            client().createOccurrence({ parent: `projects/${p}`, occurrence: attestationOccurrence(`projects/${p}/notes/absent`, imageUrl(p)) }),
            "FAILED_PRECONDITION",
          );
          assert.match(failure.message, new RegExp(`projects/${p}/notes/absent`));
          const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
          assert.deepEqual(listed, []);
        });

        test("an occurrence may use a note that lives in another project", async () => {
          const authority = project("authority");
          const p = project("workload");
          const note = await noteIn(authority);
          const occurrence = await occurrenceIn(p, note.name!);
          assert.equal(occurrence.noteName, `projects/${authority}/notes/qa`);
          assert.match(occurrence.name ?? "", generatedOccurrenceName(p));
        });

        test("deleting a note that still has occurrences is FAILED_PRECONDITION and deletes nothing", async () => {
          const authority = project("busy-note");
          const note = await noteIn(authority);
          const occurrence = await occurrenceIn(project("busy-note-user"), note.name!);
          const failure = await expectFailure(transport, client().deleteNote({ name: note.name! }), "FAILED_PRECONDITION");
          assert.match(failure.message, new RegExp(`projects/${authority}/notes/qa`));
          assert.deepEqual((await client().getNote({ name: note.name! }))[0], note);
          assert.deepEqual((await client().getOccurrence({ name: occurrence.name! }))[0], occurrence);
        });

        test("a note can be deleted once its occurrences are gone", async () => {
          const p = project("freed-note");
          const note = await noteIn(p);
          const occurrence = await occurrenceIn(p, note.name!);
          await client().deleteOccurrence({ name: occurrence.name! });
          await client().deleteNote({ name: note.name! });
          await expectFailure(transport, client().getNote({ name: note.name! }), "NOT_FOUND");
        });

        test("ListNoteOccurrences of a missing note is NOT_FOUND", async () => {
          await expectFailure(transport, client().listNoteOccurrences({ name: `projects/${project("no-note")}/notes/absent` }), "NOT_FOUND");
        });
      });

      describe(`${transport}: validation messages name the field`, () => {
        test("an attestation note without a hint name is refused naming note.attestation.hint.humanReadableName", async () => {
          const failure = await expectFailure(
            transport,
            client().createNote({ parent: `projects/${project("v-note")}`, noteId: "qa", note: { attestation: { hint: {} } } }),
            "INVALID_ARGUMENT",
          );
          assert.deepEqual(failure.violations, [{ field: "note.attestation.hint.humanReadableName", description: "is required" }]);
          assert.match(failure.message, /^note is invalid: note\.attestation\.hint\.humanReadableName: is required$/);
        });

        test("an occurrence without resourceUri, payload or key ID is refused naming each field", async () => {
          const p = project("v-occ");
          const note = await noteIn(p);
          const failure = await expectFailure(
            transport,
            client().createOccurrence({
              parent: `projects/${p}`,
              occurrence: { noteName: note.name!, attestation: { signatures: [{ signature: Buffer.from("sig") }] } },
            }),
            "INVALID_ARGUMENT",
          );
          assert.deepEqual(failure.violations.map((v) => v.field), [
            "occurrence.resourceUri",
            "occurrence.attestation",
            "occurrence.attestation.signatures[0].publicKeyId",
          ]);
        });

        test("a malformed resource name is refused with the expected form", async () => {
          const failure = await expectFailure(transport, client().getNote({ name: "projects/p/notes/no$such$id" }), "INVALID_ARGUMENT");
          assert.match(failure.message, /note name must be in the form "projects\/\[PROJECT_ID\]\/notes\/\[NOTE_ID\]"/);
        });
      });
    }

    test("REST: a PATCH body of {} with a mask clears the masked field", async () => {
      const p = uniqueProject("rest-clear");
      await clients.rest.createNote({ parent: `projects/${p}`, noteId: "qa", note: attestationNote() });
      const reply = await http(server.baseUrl, "PATCH", `/v1/projects/${p}/notes/qa?updateMask=shortDescription`, { body: "{}" });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.shortDescription, undefined);
      assert.equal(reply.json.longDescription, attestationNote().longDescription);
    });

    test("REST: a batch error carries every bad item in details[0].fieldViolations", async () => {
      const reply = await http(server.baseUrl, "POST", `/v1/projects/${uniqueProject("rest-batch")}/notes:batchCreate`, {
        body: { notes: { a: { attestation: { hint: {} } }, b: { build: {} } } },
      });
      assert.equal(reply.status, 400);
      assert.equal(reply.json.error.status, "INVALID_ARGUMENT");
      assert.equal(reply.json.error.details[0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
      assert.deepEqual(reply.json.error.details[0].fieldViolations, [
        { field: 'notes["a"].attestation.hint.humanReadableName', description: "is required" },
        { field: 'notes["b"].build.builderVersion', description: "is required" },
      ]);
    });

    test("gRPC: a batch error carries every bad item in the message and in statusDetails", async () => {
      const error = await rejection(
        clients.grpc.batchCreateNotes({
          parent: `projects/${uniqueProject("grpc-batch")}`,
          notes: { a: { attestation: { hint: {} } }, b: { build: {} } },
        }),
      );
      assert.equal(error.code, 3);
      assert.match(error.message, /notes\["a"\]\.attestation\.hint\.humanReadableName: is required/);
      assert.match(error.message, /notes\["b"\]\.build\.builderVersion: is required/);
      assert.deepEqual(
        error.statusDetails?.[0]?.fieldViolations?.map(({ field, description }) => ({ field, description })),
        [
          { field: 'notes["a"].attestation.hint.humanReadableName', description: "is required" },
          { field: 'notes["b"].build.builderVersion', description: "is required" },
        ],
      );
    });

    test("the isolation holds for objects listed in other projects: lists only show their own project", async () => {
      const a = uniqueProject("iso-list-a");
      const b = uniqueProject("iso-list-b");
      const [noteA] = await clients.grpc.createNote({ parent: `projects/${a}`, noteId: "qa", note: attestationNote() });
      await clients.grpc.createNote({ parent: `projects/${b}`, noteId: "qa", note: attestationNote("b") });
      const [listedA] = await clients.rest.listNotes({ parent: `projects/${a}` });
      assert.deepEqual(sortedNames(listedA), [noteA.name]);
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
