/**
 * Races between two `scriba serve` processes on one PostgreSQL database. No
 * process can decide these alone, so each proves the database decides them:
 * one winner for one ID, batches that land whole or not at all, and updates
 * that never overwrite each other's fields or interleave field by field.
 *
 * Calls are spread over both replicas and both transports of the official
 * client, and started together so they meet in the database.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ErrorCode } from "../../src/errors.js";
import { callFailure, wireCodes, type CallFailure, type GrafeasClient, type RawCallError, type TransportName } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl, textOf } from "../support/grafeas-fixtures.js";
import { describeWithReplicas, type Replica } from "../support/scriba-replicas.js";

interface Route {
  readonly transport: TransportName;
  readonly client: GrafeasClient;
  readonly label: string;
}

/** The k-th of the routes A/gRPC, B/REST, A/REST, B/gRPC, …: consecutive calls change replica, and transport every other time. */
function route(replicas: readonly Replica[], k: number): Route {
  const replica = replicas[k % replicas.length]!;
  const transport = replica.clients.transports[(k + Math.floor(k / replicas.length)) % 2]!;
  return { transport: transport.name, client: transport.client, label: `replica ${replica.label} over ${transport.name}` };
}

type Outcome<T> = { readonly ok: true; readonly value: T; readonly route: Route } | { readonly ok: false; readonly failure: CallFailure; readonly route: Route };

/** Runs one call per route at once and reads every failure into one shape. */
async function race<T>(routes: readonly Route[], call: (route: Route, index: number) => Promise<T>): Promise<Outcome<T>[]> {
  const settled = await Promise.allSettled(routes.map((r, i) => call(r, i)));
  return settled.map((s, i) => {
    const r = routes[i]!;
    return s.status === "fulfilled"
      ? { ok: true, value: s.value, route: r }
      : { ok: false, failure: callFailure(r.transport, s.reason as RawCallError), route: r };
  });
}

/** Asserts a failure carries `status`, as the number its transport uses for it. */
function assertFailedWith(outcome: Outcome<unknown>, status: ErrorCode): void {
  assert.ok(!outcome.ok, `expected ${status} through ${outcome.route.label}, but the call succeeded`);
  const { failure } = outcome;
  assert.equal(failure.status, status, `through ${outcome.route.label}: ${failure.status}: ${failure.message}`);
  const expected = wireCodes[status]!;
  assert.equal(failure.wireCode, outcome.route.transport === "gRPC" ? expected.grpc : expected.http, outcome.route.label);
}

const routesFor = (replicas: readonly Replica[], count: number, offset = 0) =>
  Array.from({ length: count }, (_, k) => route(replicas, k + offset));

describeWithReplicas("replicas racing on one database", { count: 2 }, (fleet) => {
  test("twenty concurrent CreateNote calls for one ID through two replicas: one succeeds, the rest are ALREADY_EXISTS", async () => {
    for (let round = 0; round < 3; round++) {
      const outcomes = await race(routesFor(fleet.replicas, 20), ({ client }, k) =>
        client.createNote({ parent: "projects/one-id", noteId: `contested-${round}`, note: attestationNote(`writer-${k}`) }),
      );
      const winners = outcomes.filter((o) => o.ok);
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} calls succeeded`);
      for (const loser of outcomes.filter((o) => !o.ok)) assertFailedWith(loser, "ALREADY_EXISTS");
      const winner = winners[0]!;
      const winningHint = winner.ok ? winner.value[0].attestation?.hint?.humanReadableName : undefined;
      for (const replica of fleet.replicas) {
        const [stored] = await replica.clients.grpc.getNote({ name: `projects/one-id/notes/contested-${round}` });
        assert.equal(stored.attestation?.hint?.humanReadableName, winningHint, `replica ${replica.label} holds the winner's note`);
      }
    }
    const [notes] = await fleet.at(1).clients.rest.listNotes({ parent: "projects/one-id" });
    assert.deepEqual(notes.map((n) => n.name).sort(), [0, 1, 2].map((r) => `projects/one-id/notes/contested-${r}`));
  });

  test("concurrent BatchCreateNotes sharing one ID through two replicas: one batch lands whole, the others leave nothing", async () => {
    const batches = 10;
    const outcomes = await race(routesFor(fleet.replicas, batches), ({ client }, k) =>
      client.batchCreateNotes({
        parent: "projects/note-batches",
        notes: { [`own-${k}-a`]: attestationNote(), [`own-${k}-b`]: attestationNote(), shared: attestationNote(`batch-${k}`) },
      }),
    );
    const winners = outcomes.flatMap((o, k) => (o.ok ? [k] : []));
    assert.equal(winners.length, 1, `${winners.length} batches succeeded`);
    for (const loser of outcomes.filter((o) => !o.ok)) assertFailedWith(loser, "ALREADY_EXISTS");
    const k = winners[0]!;
    for (const replica of fleet.replicas) {
      const [notes] = await replica.clients.grpc.listNotes({ parent: "projects/note-batches" });
      assert.deepEqual(
        notes.map((n) => n.name).sort(),
        [`own-${k}-a`, `own-${k}-b`, "shared"].map((id) => `projects/note-batches/notes/${id}`),
        `replica ${replica.label} lists the winning batch and nothing else`,
      );
      const shared = notes.find((n) => n.name === "projects/note-batches/notes/shared");
      assert.equal(shared?.attestation?.hint?.humanReadableName, `batch-${k}`);
    }
  });

  test("concurrent BatchCreateOccurrences through two replicas, some with an item whose note is missing or being created: every batch is all there or not there at all", async () => {
    const project = "projects/occurrence-batches";
    const [stable] = await fleet.at(0).clients.grpc.createNote({ parent: project, noteId: "stable", note: attestationNote() });
    const itemsPerBatch = 5;
    const batchesPerKind = 6;
    /** Each item's resource names its batch and place, so the stored occurrences can be traced back to their batch. */
    const resource = (batch: string, item: number) => imageUrl(`${batch}-item-${item}`);
    const batch = (label: string, lastNote: string) =>
      Array.from({ length: itemsPerBatch }, (_, i) => attestationOccurrence(i === itemsPerBatch - 1 ? lastNote : stable.name!, resource(label, i)));

    // Good batches refer to an existing note only; dangling ones end with a note that never exists;
    // racing ones end with a note that is being created, at the same moment, through the other replica.
    const plan = Array.from({ length: batchesPerKind }, (_, j) => [
      { kind: "good", label: `good-${j}`, lastNote: stable.name! },
      { kind: "dangling", label: `dangling-${j}`, lastNote: `${project}/notes/never-created` },
      { kind: "racing", label: `racing-${j}`, lastNote: `${project}/notes/arriving-${j}`, arrivingId: `arriving-${j}` },
    ]).flat();
    const batchRoutes = routesFor(fleet.replicas, plan.length);
    const noteCreations = plan.flatMap((p, k) =>
      "arrivingId" in p ? [route(fleet.replicas, k + 1).client.createNote({ parent: project, noteId: p.arrivingId, note: attestationNote() })] : [],
    );
    const [outcomes] = await Promise.all([
      race(batchRoutes, ({ client }, k) => client.batchCreateOccurrences({ parent: project, occurrences: batch(plan[k]!.label, plan[k]!.lastNote) })),
      Promise.all(noteCreations),
    ]);

    const [stored] = await fleet.at(1).clients.rest.listOccurrences({ parent: project });
    const storedResources = new Set(stored.map((o) => o.resourceUri));
    let landed = 0;
    for (const [k, p] of plan.entries()) {
      const outcome = outcomes[k]!;
      const present = Array.from({ length: itemsPerBatch }, (_, i) => storedResources.has(resource(p.label, i)));
      if (outcome.ok) {
        landed += itemsPerBatch;
        assert.ok(present.every(Boolean), `batch ${p.label} succeeded but only items ${present.flatMap((x, i) => (x ? [i] : [])).join(", ")} are stored`);
        assert.deepEqual((outcome.value[0].occurrences ?? []).map((o) => o.resourceUri), Array.from({ length: itemsPerBatch }, (_, i) => resource(p.label, i)));
      } else {
        assert.ok(!present.some(Boolean), `batch ${p.label} failed (${outcome.failure.status}) but items ${present.flatMap((x, i) => (x ? [i] : [])).join(", ")} are stored`);
        assertFailedWith(outcome, "FAILED_PRECONDITION");
      }
      if (p.kind === "good") assert.ok(outcome.ok, `good batch ${p.label} failed`);
      if (p.kind === "dangling") assertFailedWith(outcome, "FAILED_PRECONDITION");
    }
    assert.equal(stored.length, landed, "nothing is stored but the batches that succeeded");
  });

  /** Four fields of a note, each set alone by a masked update. */
  const noteFields = [
    { path: "short_description", patch: (v: string) => ({ shortDescription: v }), read: (n: NoteLike) => n.shortDescription },
    { path: "long_description", patch: (v: string) => ({ longDescription: v }), read: (n: NoteLike) => n.longDescription },
    { path: "related_url", patch: (v: string) => ({ relatedUrl: [{ url: `https://example.com/${v}`, label: v }] }), read: (n: NoteLike) => n.relatedUrl?.[0]?.label },
    {
      path: "attestation.hint.human_readable_name",
      patch: (v: string) => ({ attestation: { hint: { humanReadableName: v } } }),
      read: (n: NoteLike) => n.attestation?.hint?.humanReadableName,
    },
  ];

  test("concurrent masked UpdateNote calls of different fields through two replicas all survive", async () => {
    const [note] = await fleet.at(0).clients.grpc.createNote({ parent: "projects/masked", noteId: "n", note: attestationNote() });
    for (let round = 0; round < 8; round++) {
      const outcomes = await race(routesFor(fleet.replicas, noteFields.length, round), ({ client }, k) => {
        const field = noteFields[k]!;
        return client.updateNote({ name: note.name!, note: field.patch(`r${round}-f${k}`), updateMask: { paths: [field.path] } });
      });
      for (const o of outcomes) assert.ok(o.ok, `an update through ${o.route.label} failed: ${o.ok ? "" : o.failure.message}`);
      for (const replica of fleet.replicas) {
        const [read] = await replica.clients.rest.getNote({ name: note.name! });
        assert.deepEqual(
          noteFields.map((f) => f.read(read)),
          noteFields.map((_, k) => `r${round}-f${k}`),
          `round ${round}, read through replica ${replica.label}: every field holds its own writer's value`,
        );
      }
    }
  });

  /** Four fields of an attestation occurrence, each set alone by a masked update. */
  const occurrenceFields = [
    { path: "remediation", patch: (v: string) => ({ remediation: v }), read: (o: OccurrenceLike) => o.remediation },
    { path: "envelope.payload_type", patch: (v: string) => ({ envelope: { payloadType: v } }), read: (o: OccurrenceLike) => o.envelope?.payloadType },
    {
      path: "attestation.serialized_payload",
      patch: (v: string) => ({ attestation: { serializedPayload: Buffer.from(v) } }),
      read: (o: OccurrenceLike) => textOf(o.attestation?.serializedPayload),
    },
    {
      path: "attestation.jwts",
      patch: (v: string) => ({ attestation: { jwts: [{ compactJwt: v }] } }),
      read: (o: OccurrenceLike) => o.attestation?.jwts?.[0]?.compactJwt,
    },
  ];

  test("concurrent masked UpdateOccurrence calls of different fields through two replicas all survive", async () => {
    const [note] = await fleet.at(1).clients.grpc.createNote({ parent: "projects/masked-occurrence", noteId: "n", note: attestationNote() });
    const [occurrence] = await fleet.at(0).clients.rest.createOccurrence({
      parent: "projects/masked-occurrence",
      occurrence: attestationOccurrence(note.name!, imageUrl("masked")),
    });
    for (let round = 0; round < 8; round++) {
      const outcomes = await race(routesFor(fleet.replicas, occurrenceFields.length, round), ({ client }, k) => {
        const field = occurrenceFields[k]!;
        return client.updateOccurrence({ name: occurrence.name!, occurrence: field.patch(`r${round}-f${k}`), updateMask: { paths: [field.path] } });
      });
      for (const o of outcomes) assert.ok(o.ok, `an update through ${o.route.label} failed: ${o.ok ? "" : o.failure.message}`);
      for (const replica of fleet.replicas) {
        const [read] = await replica.clients.grpc.getOccurrence({ name: occurrence.name! });
        assert.deepEqual(
          occurrenceFields.map((f) => f.read(read)),
          occurrenceFields.map((_, k) => `r${round}-f${k}`),
          `round ${round}, read through replica ${replica.label}: every field holds its own writer's value`,
        );
      }
    }
  });

  test("concurrent full UpdateNote calls through two replicas leave exactly one written version, never a mix", async () => {
    const [note] = await fleet.at(0).clients.rest.createNote({ parent: "projects/full", noteId: "n", note: attestationNote() });
    const writers = 6;
    for (let round = 0; round < 5; round++) {
      /** Every field of version v says v. */
      const version = (v: string) => Object.assign({}, ...noteFields.map((f) => f.patch(v))) as Record<string, unknown>;
      const outcomes = await race(routesFor(fleet.replicas, writers, round), ({ client }, k) =>
        client.updateNote({ name: note.name!, note: version(`r${round}-w${k}`) }),
      );
      for (const o of outcomes) assert.ok(o.ok, `an update through ${o.route.label} failed: ${o.ok ? "" : o.failure.message}`);
      const written = Array.from({ length: writers }, (_, k) => `r${round}-w${k}`);
      for (const replica of fleet.replicas) {
        const [read] = await replica.clients.grpc.getNote({ name: note.name! });
        const values = noteFields.map((f) => f.read(read));
        assert.ok(written.includes(values[0]!), `round ${round}: ${values[0]} is none of the written versions`);
        assert.deepEqual(values, noteFields.map(() => values[0]), `round ${round}, read through replica ${replica.label}: fields from different versions`);
      }
    }
  });

  test("concurrent full UpdateOccurrence calls through two replicas leave exactly one written version, never a mix", async () => {
    const [note] = await fleet.at(0).clients.grpc.createNote({ parent: "projects/full-occurrence", noteId: "n", note: attestationNote() });
    const [occurrence] = await fleet.at(1).clients.grpc.createOccurrence({
      parent: "projects/full-occurrence",
      occurrence: attestationOccurrence(note.name!, imageUrl("full")),
    });
    const writers = 6;
    for (let round = 0; round < 5; round++) {
      const version = (v: string) => ({
        remediation: v,
        envelope: { payloadType: v },
        attestation: { serializedPayload: Buffer.from(v), jwts: [{ compactJwt: v }] },
      });
      const outcomes = await race(routesFor(fleet.replicas, writers, round), ({ client }, k) =>
        client.updateOccurrence({ name: occurrence.name!, occurrence: version(`r${round}-w${k}`) }),
      );
      for (const o of outcomes) assert.ok(o.ok, `an update through ${o.route.label} failed: ${o.ok ? "" : o.failure.message}`);
      const written = Array.from({ length: writers }, (_, k) => `r${round}-w${k}`);
      for (const replica of fleet.replicas) {
        const [read] = await replica.clients.rest.getOccurrence({ name: occurrence.name! });
        const values = occurrenceFields.map((f) => f.read(read));
        assert.ok(written.includes(values[0]!), `round ${round}: ${values[0]} is none of the written versions`);
        assert.deepEqual(values, occurrenceFields.map(() => values[0]), `round ${round}, read through replica ${replica.label}: fields from different versions`);
        assert.equal(read.resourceUri, imageUrl("full"), "a full update without the immutable fields keeps them");
      }
    }
  });
});

/** The parts of a note the tests read, as either transport returns them. */
interface NoteLike {
  shortDescription?: string | null;
  longDescription?: string | null;
  relatedUrl?: { label?: string | null }[] | null;
  attestation?: { hint?: { humanReadableName?: string | null } | null } | null;
}

/** The parts of an occurrence the tests read, as either transport returns them. */
interface OccurrenceLike {
  remediation?: string | null;
  envelope?: { payloadType?: string | null } | null;
  attestation?: { serializedPayload?: unknown; jwts?: { compactJwt?: string | null }[] | null } | null;
}
