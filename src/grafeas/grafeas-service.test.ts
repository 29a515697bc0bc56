import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import {
  BatchCreateNotesRequestSchema,
  BatchCreateOccurrencesRequestSchema,
  CreateNoteRequestSchema,
  CreateOccurrenceRequestSchema,
  GetOccurrenceNoteRequestSchema,
  GetOccurrenceRequestSchema,
  ListOccurrencesRequestSchema,
  NoteSchema,
  OccurrenceSchema,
  UpdateOccurrenceRequestSchema,
  type Occurrence,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { Version_VersionKind } from "../gen/grafeas/v1/package_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { ScribaError, type ErrorCode } from "../errors.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { Authorizer } from "./authorizer.js";
import { GrafeasService } from "./grafeas-service.js";
import { messageFromStoredJson } from "./proto-json.js";

const ctx = {};
const digest = "sha256:" + "a".repeat(64);
const resourceUri = `https://gcr.io/p/app@${digest}`;

function service(options: { authorizer?: Authorizer } = {}) {
  let n = 0;
  return new GrafeasService({ store: createMemoryStore(), newId: () => `occ-${++n}`, ...options });
}

const rejects = (code: ErrorCode, text?: string) => (e: unknown) =>
  e instanceof ScribaError && e.code === code && (text === undefined || e.message.includes(text));

async function withAttestationNote(s: GrafeasService, project = "image-signing", id = "qa") {
  await s.createNote(
    create(CreateNoteRequestSchema, {
      parent: `projects/${project}`,
      noteId: id,
      note: { type: { case: "attestation", value: { hint: { humanReadableName: id } } } },
    }),
    ctx,
  );
  return `projects/${project}/notes/${id}`;
}

function attestation(noteName: string): Occurrence {
  return create(OccurrenceSchema, {
    resourceUri,
    noteName,
    details: {
      case: "attestation",
      value: { serializedPayload: new TextEncoder().encode(digest), signatures: [{ publicKeyId: "k", signature: new Uint8Array([1]) }] },
    },
  });
}

function vulnerability(noteName: string, severity = Severity.HIGH): Occurrence {
  const version = { kind: Version_VersionKind.NORMAL, name: "1.0" };
  return create(OccurrenceSchema, {
    resourceUri,
    noteName,
    details: {
      case: "vulnerability",
      value: {
        effectiveSeverity: severity,
        packageIssue: [{ affectedCpeUri: "cpe:/o:debian", affectedPackage: "openssl", affectedVersion: version, fixedVersion: { kind: Version_VersionKind.MAXIMUM } }],
      },
    },
  });
}

describe("GrafeasService notes", () => {
  test("createNote sets the name, derives the kind and stamps both times", async () => {
    const s = service();
    await withAttestationNote(s);
    const note = messageFromStoredJson(NoteSchema, (await s.getNote({ name: "projects/image-signing/notes/qa" } as never, ctx)).json);
    assert.equal(note.name, "projects/image-signing/notes/qa");
    assert.equal(note.kind, 7);
    assert.ok(note.createTime && note.updateTime);
  });

  test("createNote refuses a body name that disagrees with the parent and note ID", async () => {
    await assert.rejects(
      service().createNote(
        create(CreateNoteRequestSchema, {
          parent: "projects/a",
          noteId: "qa",
          note: { name: "projects/b/notes/qa", type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } } },
        }),
        ctx,
      ),
      rejects("INVALID_ARGUMENT", "note.name"),
    );
  });

  test("createNote names the missing note ID and the invalid detail in one error", async () => {
    await assert.rejects(
      service().createNote(create(CreateNoteRequestSchema, { parent: "projects/a", note: { type: { case: "attestation", value: {} } } }), ctx),
      (e: unknown) =>
        e instanceof ScribaError &&
        e.violations.map((v) => v.field).join() === "noteId,note.attestation.hint.humanReadableName",
    );
  });

  test("batchCreateNotes writes nothing when one note is invalid and names that note", async () => {
    const s = service();
    const request = create(BatchCreateNotesRequestSchema, {
      parent: "projects/a",
      notes: {
        good: { type: { case: "attestation", value: { hint: { humanReadableName: "good" } } } },
        bad: { type: { case: "build", value: {} } },
      },
    });
    await assert.rejects(s.batchCreateNotes(request, ctx), (e: unknown) => e instanceof ScribaError && e.violations[0]?.field === 'notes["bad"].build.builderVersion');
    await assert.rejects(s.getNote({ name: "projects/a/notes/good" } as never, ctx), rejects("NOT_FOUND"));
  });

  test("batch creates of more than the limit are refused before anything is read", async () => {
    const occurrences = Array.from({ length: 1001 }, () => create(OccurrenceSchema));
    await assert.rejects(
      service().batchCreateOccurrences(create(BatchCreateOccurrencesRequestSchema, { parent: "projects/a", occurrences }), ctx),
      rejects("INVALID_ARGUMENT", "1001 is too many occurrences"),
    );
  });
});

describe("GrafeasService occurrences", () => {
  test("occurrence IDs are generated by the server, whatever name the client sends", async () => {
    const s = service();
    const note = await withAttestationNote(s);
    const occurrence = attestation(note);
    occurrence.name = "projects/image-signing/occurrences/mine";
    const stored = await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/image-signing", occurrence }), ctx);
    assert.equal(stored.name, "projects/image-signing/occurrences/occ-1");
  });

  test("an occurrence may attach to a note that lives in another project", async () => {
    const s = service();
    const note = await withAttestationNote(s, "authorities", "qa");
    const stored = await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/app", occurrence: attestation(note) }), ctx);
    const back = await s.getOccurrenceNote(create(GetOccurrenceNoteRequestSchema, { name: stored.name }), ctx);
    assert.equal(back.name, note);
  });

  test("an occurrence of a missing note is refused with FAILED_PRECONDITION", async () => {
    await assert.rejects(
      service().createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: attestation("projects/a/notes/none") }), ctx),
      rejects("FAILED_PRECONDITION", "does not exist"),
    );
  });

  test("a location-qualified note name is stored in canonical form", async () => {
    const s = service();
    await withAttestationNote(s, "a", "qa");
    const stored = await s.createOccurrence(
      create(CreateOccurrenceRequestSchema, { parent: "projects/a/locations/us", occurrence: attestation("projects/a/locations/us/notes/qa") }),
      ctx,
    );
    assert.equal(messageFromStoredJson(OccurrenceSchema, stored.json).noteName, "projects/a/notes/qa");
  });

  test("a batch stores canonical note names, server-set names and one instant for all its occurrences", async () => {
    const s = service();
    await withAttestationNote(s, "a", "qa");
    const sent = [attestation("projects/a/locations/us/notes/qa"), attestation("projects/a/notes/qa")].map((o) => ({
      ...o,
      name: "projects/a/occurrences/mine",
      kind: NoteKind.BUILD,
      createTime: timestampFromMs(0),
    }));
    const stored = await s.batchCreateOccurrences(create(BatchCreateOccurrencesRequestSchema, { parent: "projects/a", occurrences: sent }), ctx);
    const back = stored.map((r) => messageFromStoredJson(OccurrenceSchema, r.json));
    assert.deepEqual(stored.map((r) => r.name), ["projects/a/occurrences/occ-1", "projects/a/occurrences/occ-2"]);
    assert.deepEqual(back.map((o) => [o.name, o.noteName, o.kind]), [
      ["projects/a/occurrences/occ-1", "projects/a/notes/qa", NoteKind.ATTESTATION],
      ["projects/a/occurrences/occ-2", "projects/a/notes/qa", NoteKind.ATTESTATION],
    ]);
    const [first, second] = back;
    assert.ok(first?.createTime !== undefined && Number(first.createTime.seconds) > 0);
    assert.deepEqual(first.createTime, first.updateTime);
    assert.deepEqual(second?.createTime, first.createTime);
    const listed = await s.store.listNoteOccurrences("a", "qa", { pageSize: 10 });
    assert.equal(listed.records.length, 2);
  });

  test("an update with a mask changes only the listed field and keeps the kind", async () => {
    const s = service();
    await s.createNote(create(CreateNoteRequestSchema, { parent: "projects/a", noteId: "CVE-1", note: { type: { case: "vulnerability", value: { details: [{ affectedCpeUri: "c", affectedPackage: "p" }] } } } }), ctx);
    const created = await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: vulnerability("projects/a/notes/CVE-1") }), ctx);
    const patch = vulnerability("projects/a/notes/CVE-1", Severity.CRITICAL);
    patch.remediation = "upgrade openssl";
    const updated = await s.updateOccurrence(
      create(UpdateOccurrenceRequestSchema, { name: created.name, occurrence: patch, updateMask: create(FieldMaskSchema, { paths: ["remediation"] }) }),
      ctx,
    );
    const message = messageFromStoredJson(OccurrenceSchema, updated.json);
    assert.equal(message.remediation, "upgrade openssl");
    assert.equal(message.details.case === "vulnerability" && message.details.value.effectiveSeverity, Severity.HIGH);
  });

  test("an update that would change the details type is refused", async () => {
    const s = service();
    const note = await withAttestationNote(s, "a", "qa");
    const created = await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: attestation(note) }), ctx);
    await assert.rejects(
      s.updateOccurrence(create(UpdateOccurrenceRequestSchema, { name: created.name, occurrence: vulnerability(note) }), ctx),
      rejects("INVALID_ARGUMENT", "cannot change"),
    );
  });

  test("an occurrence of project A cannot be read through project B", async () => {
    const s = service();
    const note = await withAttestationNote(s, "a", "qa");
    const created = await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: attestation(note) }), ctx);
    const id = created.name.split("/").pop()!;
    await assert.rejects(s.getOccurrence(create(GetOccurrenceRequestSchema, { name: `projects/b/occurrences/${id}` }), ctx), rejects("NOT_FOUND"));
    assert.equal((await s.getOccurrence(create(GetOccurrenceRequestSchema, { name: created.name }), ctx)).name, created.name);
  });
});

describe("GrafeasService lists", () => {
  test("page sizes above the maximum are lowered and negative sizes refused", async () => {
    const s = service();
    const note = await withAttestationNote(s, "a", "qa");
    for (let i = 0; i < 3; i++) {
      await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: attestation(note) }), ctx);
    }
    const page = await s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", pageSize: 5000 }), ctx);
    assert.equal(page.records.length, 3);
    assert.equal(page.nextPageToken, "");
    await assert.rejects(s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", pageSize: -1 }), ctx), rejects("INVALID_ARGUMENT", "negative"));
  });

  test("a page token only continues the request it came from", async () => {
    const s = service();
    const note = await withAttestationNote(s, "a", "qa");
    for (let i = 0; i < 3; i++) {
      await s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/a", occurrence: attestation(note) }), ctx);
    }
    const first = await s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", pageSize: 2 }), ctx);
    assert.notEqual(first.nextPageToken, "");
    const second = await s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", pageSize: 2, pageToken: first.nextPageToken }), ctx);
    assert.deepEqual(second.records.map((r) => r.name), ["projects/a/occurrences/occ-3"]);
    await assert.rejects(
      s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", filter: 'kind="ATTESTATION"', pageToken: first.nextPageToken }), ctx),
      rejects("INVALID_ARGUMENT", "different parent or filter"),
    );
  });

  test("a malformed filter is INVALID_ARGUMENT with its column", async () => {
    await assert.rejects(
      service().listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/a", filter: 'kind = "X" AND' }), ctx),
      rejects("INVALID_ARGUMENT", "column"),
    );
  });
});

describe("GrafeasService authorization", () => {
  test("a refused caller never reaches validation or the store", async () => {
    const checked: string[] = [];
    const authorizer: Authorizer = {
      check(_c, project, permission) {
        checked.push(`${project}:${permission}`);
        return permission === "notes.attachOccurrence"
          ? Promise.reject(new ScribaError("PERMISSION_DENIED", "may not attach to notes of project authorities"))
          : Promise.resolve();
      },
    };
    const s = service({ authorizer });
    const note = await withAttestationNote(s, "authorities", "qa");
    await assert.rejects(
      s.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: "projects/app", occurrence: attestation(note) }), ctx),
      rejects("PERMISSION_DENIED"),
    );
    assert.deepEqual(checked.slice(-2), ["app:occurrences.create", "authorities:notes.attachOccurrence"]);
    const list = await s.listOccurrences(create(ListOccurrencesRequestSchema, { parent: "projects/app" }), ctx);
    assert.equal(list.records.length, 0);
  });
});
