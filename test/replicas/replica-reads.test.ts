/**
 * Two `scriba serve` processes on one PostgreSQL database are one service:
 * whatever one replica acknowledges, the other serves at once (no retry, no
 * wait), over gRPC and REST alike, because neither keeps stored data of its
 * own.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectFailure, type GrafeasClient, type TransportName } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl, millisOf, textOf } from "../support/grafeas-fixtures.js";
import { describeWithReplicas, type Replica } from "../support/scriba-replicas.js";

interface Route {
  readonly replica: Replica;
  readonly transport: TransportName;
  readonly client: GrafeasClient;
  readonly label: string;
}

/** Every (replica, transport) pair of a fleet, e.g. "replica B over REST". */
function routes(replicas: readonly Replica[]): Route[] {
  return replicas.flatMap((replica) =>
    replica.clients.transports.map(({ name, client }) => ({ replica, transport: name, client, label: `replica ${replica.label} over ${name}` })),
  );
}

describeWithReplicas("replicas on one database serve each other's writes at once", { count: 2 }, (fleet) => {
  /** The routes that write, each paired with every route through the other replica that reads. */
  const crossings = () => {
    const all = routes(fleet.replicas);
    return all.map((writer) => ({ writer, readers: all.filter((r) => r.replica !== writer.replica) }));
  };

  test("a note created through one replica is read back unchanged through the other, over gRPC and REST", async () => {
    for (const [i, { writer, readers }] of crossings().entries()) {
      const [created] = await writer.client.createNote({ parent: "projects/reads", noteId: `note-${i}`, note: attestationNote(`hint-${i}`) });
      for (const reader of readers) {
        const [read] = await reader.client.getNote({ name: created.name! });
        const context = `written through ${writer.label}, read through ${reader.label}`;
        assert.equal(read.name, `projects/reads/notes/note-${i}`, context);
        assert.equal(read.shortDescription, `the hint-${i} attestation authority`, context);
        assert.equal(read.attestation?.hint?.humanReadableName, `hint-${i}`, context);
        assert.equal(millisOf(read.createTime), millisOf(created.createTime), context);
      }
    }
  });

  test("an occurrence created through one replica is read back unchanged through the other, over gRPC and REST", async () => {
    const [note] = await fleet.at(0).clients.grpc.createNote({ parent: "projects/reads", noteId: "occurrence-note", note: attestationNote() });
    for (const [i, { writer, readers }] of crossings().entries()) {
      const [created] = await writer.client.createOccurrence({
        parent: "projects/reads",
        occurrence: attestationOccurrence(note.name!, imageUrl(`read-${i}`), `payload-${i}`),
      });
      for (const reader of readers) {
        const [read] = await reader.client.getOccurrence({ name: created.name! });
        const context = `written through ${writer.label}, read through ${reader.label}`;
        assert.equal(read.name, created.name, context);
        assert.equal(read.resourceUri, imageUrl(`read-${i}`), context);
        assert.equal(read.noteName, note.name, context);
        assert.equal(textOf(read.attestation?.serializedPayload), `payload-${i}`, context);
        const [itsNote] = await reader.client.getOccurrenceNote({ name: created.name! });
        assert.equal(itsNote.name, note.name, context);
      }
    }
  });

  test("a listing through one replica holds what the other has just created", async () => {
    const [a, b] = [fleet.at(0), fleet.at(1)];
    const [note] = await a.clients.rest.createNote({ parent: "projects/listed", noteId: "n", note: attestationNote() });
    const [{ occurrences }] = await a.clients.grpc.batchCreateOccurrences({
      parent: "projects/listed",
      occurrences: [0, 1, 2].map((i) => attestationOccurrence(note.name!, imageUrl(`listed-${i}`))),
    });
    const created = (occurrences ?? []).map((o) => o.name);
    for (const { client, name } of b.clients.transports) {
      const [listed] = await client.listOccurrences({ parent: "projects/listed" });
      assert.deepEqual(listed.map((o) => o.name), created, `listed through replica B over ${name}`);
      const [noteOccurrences] = await client.listNoteOccurrences({ name: note.name! });
      assert.deepEqual(noteOccurrences.map((o) => o.name), created, `note occurrences through replica B over ${name}`);
      const [notes] = await client.listNotes({ parent: "projects/listed" });
      assert.deepEqual(notes.map((n) => n.name), [note.name]);
    }
  });

  test("an update through one replica is what the other replica reads next", async () => {
    const [a, b] = [fleet.at(0), fleet.at(1)];
    const [note] = await a.clients.grpc.createNote({ parent: "projects/updated", noteId: "n", note: attestationNote() });
    for (const [i, { client }] of [...b.clients.transports, ...a.clients.transports].entries()) {
      await client.updateNote({ name: note.name!, note: { shortDescription: `revision ${i}` }, updateMask: { paths: ["short_description"] } });
      const reader = i < 2 ? a : b;
      for (const { client: readerClient, name } of reader.clients.transports) {
        const [read] = await readerClient.getNote({ name: note.name! });
        assert.equal(read.shortDescription, `revision ${i}`, `read through replica ${reader.label} over ${name}`);
      }
    }
  });

  test("an object deleted through one replica is NOT_FOUND through the other at once", async () => {
    const [a, b] = [fleet.at(0), fleet.at(1)];
    const [note] = await b.clients.rest.createNote({ parent: "projects/deleted", noteId: "n", note: attestationNote() });
    const [occurrence] = await b.clients.grpc.createOccurrence({ parent: "projects/deleted", occurrence: attestationOccurrence(note.name!, imageUrl("deleted")) });
    await a.clients.rest.deleteOccurrence({ name: occurrence.name! });
    await a.clients.grpc.deleteNote({ name: note.name! });
    for (const { client, name } of b.clients.transports) {
      await expectFailure(name, client.getOccurrence({ name: occurrence.name! }), "NOT_FOUND");
      await expectFailure(name, client.getNote({ name: note.name! }), "NOT_FOUND");
    }
  });
});
