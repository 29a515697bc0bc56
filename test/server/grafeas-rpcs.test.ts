/**
 * Every grafeas.v1.Grafeas RPC through the official @google-cloud/grafeas
 * client, over gRPC and over its REST transport, against the real server on
 * each store.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  expectFailure,
  grafeasClients,
  transportNames,
  type GrafeasClients,
  type TransportName,
} from "../support/grafeas-clients.js";
import {
  attestationNote,
  attestationOccurrence,
  buildNote,
  generatedOccurrenceName,
  imageUrl,
  millisOf,
  paymentDigest,
  sortedNames,
  textOf,
} from "../support/grafeas-fixtures.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

for (const store of storeKinds) {
  describe(`the 14 grafeas.v1 RPCs through the official client (${store} store)`, { timeout: 60_000 }, () => {
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

    const clientFor = (name: TransportName) => (name === "gRPC" ? clients.grpc : clients.rest);

    for (const transport of transportNames) {
      const client = () => clientFor(transport);
      const project = (what: string) => uniqueProject(`${transport.toLowerCase()}-${what}`);

      async function createNote(p: string, noteId: string, note: object = attestationNote()) {
        const [created] = await client().createNote({ parent: `projects/${p}`, noteId, note });
        return created;
      }

      async function createOccurrence(p: string, noteName: string, resource = imageUrl(p)) {
        const [created] = await client().createOccurrence({
          parent: `projects/${p}`,
          occurrence: attestationOccurrence(noteName, resource),
        });
        return created;
      }

      test(`${transport}: CreateNote returns the note with its server-set name, kind and times`, async () => {
        const p = project("create-note");
        const note = await createNote(p, "qa");
        assert.equal(note.name, `projects/${p}/notes/qa`);
        assert.equal(note.kind, "ATTESTATION");
        assert.equal(note.shortDescription, "the qa attestation authority");
        assert.equal(note.attestation?.hint?.humanReadableName, "qa");
        assert.ok(millisOf(note.createTime) > 0);
        assert.deepEqual(note.updateTime, note.createTime);
      });

      test(`${transport}: GetNote returns the note as it was created`, async () => {
        const p = project("get-note");
        const created = await createNote(p, "qa");
        const [read] = await client().getNote({ name: `projects/${p}/notes/qa` });
        assert.deepEqual(read, created);
      });

      test(`${transport}: ListNotes returns the notes of the project and no others`, async () => {
        const p = project("list-notes");
        await createNote(p, "a");
        await createNote(p, "b", buildNote());
        await createNote(project("list-notes-other"), "c");
        const [notes] = await client().listNotes({ parent: `projects/${p}` });
        assert.deepEqual(sortedNames(notes), [`projects/${p}/notes/a`, `projects/${p}/notes/b`]);
      });

      test(`${transport}: BatchCreateNotes creates every note of the map, keyed by note ID`, async () => {
        const p = project("batch-notes");
        const [response] = await client().batchCreateNotes({
          parent: `projects/${p}`,
          notes: { qa: attestationNote("qa"), build: buildNote(), prod: attestationNote("prod") },
        });
        const expected = ["build", "prod", "qa"].map((id) => `projects/${p}/notes/${id}`);
        assert.deepEqual(sortedNames(response.notes ?? []), expected);
        const [listed] = await client().listNotes({ parent: `projects/${p}` });
        assert.deepEqual(sortedNames(listed), expected);
        const [prod] = await client().getNote({ name: `projects/${p}/notes/prod` });
        assert.equal(prod.attestation?.hint?.humanReadableName, "prod");
      });

      test(`${transport}: UpdateNote changes the masked field and keeps the rest`, async () => {
        const p = project("update-note");
        const created = await createNote(p, "qa");
        const [updated] = await client().updateNote({
          name: `projects/${p}/notes/qa`,
          note: { shortDescription: "renamed", longDescription: "not in the mask" },
          updateMask: { paths: ["short_description"] },
        });
        assert.equal(updated.shortDescription, "renamed");
        assert.equal(updated.longDescription, created.longDescription);
        assert.deepEqual(updated.attestation, created.attestation);
        assert.deepEqual(updated.createTime, created.createTime);
        assert.ok(millisOf(updated.updateTime) >= millisOf(created.updateTime));
        const [read] = await client().getNote({ name: `projects/${p}/notes/qa` });
        assert.deepEqual(read, updated);
      });

      test(`${transport}: DeleteNote removes the note`, async () => {
        const p = project("delete-note");
        await createNote(p, "qa");
        await client().deleteNote({ name: `projects/${p}/notes/qa` });
        await expectFailure(transport, client().getNote({ name: `projects/${p}/notes/qa` }), "NOT_FOUND");
      });

      test(`${transport}: CreateOccurrence returns the occurrence under a server-generated name`, async () => {
        const p = project("create-occ");
        await createNote(p, "qa");
        const occurrence = await createOccurrence(p, `projects/${p}/notes/qa`, imageUrl("create"));
        assert.match(occurrence.name ?? "", generatedOccurrenceName(p));
        assert.equal(occurrence.kind, "ATTESTATION");
        assert.equal(occurrence.noteName, `projects/${p}/notes/qa`);
        assert.equal(occurrence.resourceUri, imageUrl("create"));
        assert.equal(textOf(occurrence.attestation?.serializedPayload), paymentDigest);
        assert.equal(occurrence.attestation?.signatures?.[0]?.publicKeyId, "openpgp4fpr:0123456789ABCDEF0123456789ABCDEF01234567");
        assert.deepEqual(occurrence.updateTime, occurrence.createTime);
      });

      test(`${transport}: GetOccurrence returns the occurrence as it was created`, async () => {
        const p = project("get-occ");
        await createNote(p, "qa");
        const created = await createOccurrence(p, `projects/${p}/notes/qa`);
        const [read] = await client().getOccurrence({ name: created.name! });
        assert.deepEqual(read, created);
      });

      test(`${transport}: ListOccurrences returns the occurrences of the project and no others`, async () => {
        const p = project("list-occ");
        const other = project("list-occ-other");
        await createNote(p, "qa");
        const mine = [await createOccurrence(p, `projects/${p}/notes/qa`), await createOccurrence(p, `projects/${p}/notes/qa`)];
        await createOccurrence(other, `projects/${p}/notes/qa`);
        const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
        assert.deepEqual(sortedNames(listed), sortedNames(mine));
      });

      test(`${transport}: BatchCreateOccurrences creates every occurrence, each under its own name`, async () => {
        const p = project("batch-occ");
        await createNote(p, "qa");
        const [response] = await client().batchCreateOccurrences({
          parent: `projects/${p}`,
          occurrences: ["a", "b", "c"].map((label) => attestationOccurrence(`projects/${p}/notes/qa`, imageUrl(label))),
        });
        const created = response.occurrences ?? [];
        assert.equal(created.length, 3);
        assert.equal(new Set(created.map((o) => o.name)).size, 3);
        for (const occurrence of created) assert.match(occurrence.name ?? "", generatedOccurrenceName(p));
        assert.deepEqual(created.map((o) => o.resourceUri).sort(), ["a", "b", "c"].map(imageUrl).sort());
        const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
        assert.deepEqual(sortedNames(listed), sortedNames(created));
      });

      test(`${transport}: UpdateOccurrence changes the masked field and keeps the rest`, async () => {
        const p = project("update-occ");
        await createNote(p, "qa");
        const created = await createOccurrence(p, `projects/${p}/notes/qa`);
        const [updated] = await client().updateOccurrence({
          name: created.name!,
          occurrence: { remediation: "rebuild on a patched base image" },
          updateMask: { paths: ["remediation"] },
        });
        assert.equal(updated.remediation, "rebuild on a patched base image");
        assert.equal(updated.resourceUri, created.resourceUri);
        assert.deepEqual(updated.attestation, created.attestation);
        assert.deepEqual(updated.createTime, created.createTime);
        const [read] = await client().getOccurrence({ name: created.name! });
        assert.deepEqual(read, updated);
      });

      test(`${transport}: DeleteOccurrence removes the occurrence`, async () => {
        const p = project("delete-occ");
        await createNote(p, "qa");
        const created = await createOccurrence(p, `projects/${p}/notes/qa`);
        await client().deleteOccurrence({ name: created.name! });
        await expectFailure(transport, client().getOccurrence({ name: created.name! }), "NOT_FOUND");
        const [listed] = await client().listOccurrences({ parent: `projects/${p}` });
        assert.deepEqual(listed, []);
      });

      test(`${transport}: GetOccurrenceNote returns the note the occurrence belongs to, from another project`, async () => {
        const authority = project("occ-note-authority");
        const p = project("occ-note");
        const note = await createNote(authority, "qa");
        const occurrence = await createOccurrence(p, `projects/${authority}/notes/qa`);
        const [read] = await client().getOccurrenceNote({ name: occurrence.name! });
        assert.deepEqual(read, note);
      });

      test(`${transport}: ListNoteOccurrences returns the note's occurrences across projects and no others`, async () => {
        const authority = project("note-occs-authority");
        await createNote(authority, "qa");
        await createNote(authority, "other");
        const a = await createOccurrence(project("note-occs-a"), `projects/${authority}/notes/qa`);
        const b = await createOccurrence(project("note-occs-b"), `projects/${authority}/notes/qa`);
        await createOccurrence(project("note-occs-c"), `projects/${authority}/notes/other`);
        const [listed] = await client().listNoteOccurrences({ name: `projects/${authority}/notes/qa` });
        assert.deepEqual(sortedNames(listed), sortedNames([a, b]));
      });

      test(`${transport}: located names (projects/P/locations/L/…) reach the same objects and come back without the location`, async () => {
        const p = project("located");
        const [note] = await client().createNote({ parent: `projects/${p}/locations/us-east1`, noteId: "qa", note: attestationNote() });
        assert.equal(note.name, `projects/${p}/notes/qa`);
        const [read] = await client().getNote({ name: `projects/${p}/locations/europe-west1/notes/qa` });
        assert.deepEqual(read, note);
        const [occurrence] = await client().createOccurrence({
          parent: `projects/${p}/locations/us-east1`,
          occurrence: attestationOccurrence(`projects/${p}/locations/us-east1/notes/qa`, imageUrl(p)),
        });
        assert.match(occurrence.name ?? "", generatedOccurrenceName(p));
        assert.equal(occurrence.noteName, `projects/${p}/notes/qa`);
        const [listed] = await client().listOccurrences({ parent: `projects/${p}/locations/us-east1` });
        assert.deepEqual(sortedNames(listed), [occurrence.name]);
      });
    }

    test("a note and an occurrence written over gRPC read the same over REST", async () => {
      const p = uniqueProject("crossed");
      const [note] = await clients.grpc.createNote({ parent: `projects/${p}`, noteId: "qa", note: attestationNote() });
      const [occurrence] = await clients.grpc.createOccurrence({
        parent: `projects/${p}`,
        occurrence: attestationOccurrence(note.name!, paymentDigest),
      });
      const [noteViaRest] = await clients.rest.getNote({ name: note.name! });
      const [occurrenceViaRest] = await clients.rest.getOccurrence({ name: occurrence.name! });
      assert.deepEqual(noteViaRest, note);
      assert.equal(occurrenceViaRest.name, occurrence.name);
      assert.equal(textOf(occurrenceViaRest.attestation?.serializedPayload), paymentDigest);
      assert.deepEqual(occurrenceViaRest.createTime, occurrence.createTime);
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
