/**
 * @module store/test-fixtures
 *
 * Builds store rows from real grafeas.v1 messages for tests, deriving the
 * indexed columns from the message the way the service does: the kind from
 * the message's `type`/`details` case, times in microseconds, and the note's
 * project and ID parsed from `noteName`. The JSON is protobuf-es canonical
 * proto3 JSON, so filters see exactly what they will see in production.
 */
import { create, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { noteName, occurrenceName, parseNoteName } from "../grafeas/resource-names.js";
import type { NoteRow, OccurrenceRow } from "./store.js";

/** A fixed instant (2024-01-02T03:04:05.678Z), so that rows are reproducible. */
export const fixtureTime = timestampFromMs(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

/** `dsseAttestation` → `DSSE_ATTESTATION`: a oneof case named after its NoteKind. */
function kindOf(oneofCase: string | undefined): string {
  if (oneofCase === undefined) return NoteKind[NoteKind.NOTE_KIND_UNSPECIFIED];
  const kind = oneofCase.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  if (!(kind in NoteKind)) throw new Error(`no NoteKind for the case ${oneofCase}`);
  return kind;
}

const kindNumber = (kind: string) => NoteKind[kind as keyof typeof NoteKind];

export function micros(timestamp: Timestamp | undefined): number {
  const t = timestamp ?? fixtureTime;
  return Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000);
}

/** A note row for `projects/<project>/notes/<noteId>` from a Note message's fields. */
export function noteRow(
  project: string,
  noteId: string,
  init: MessageInitShape<typeof NoteSchema> = {},
): NoteRow {
  const message = create(NoteSchema, {
    createTime: fixtureTime,
    updateTime: fixtureTime,
    ...init,
    name: noteName(project, noteId),
  });
  const kind = kindOf(message.type.case);
  message.kind = kindNumber(kind);
  return {
    project,
    noteId,
    name: message.name,
    kind,
    createTime: micros(message.createTime),
    updateTime: micros(message.updateTime),
    json: toJsonString(NoteSchema, message),
  };
}

/** An occurrence row for `projects/<project>/occurrences/<occurrenceId>`; `noteName` is required. */
export function occurrenceRow(
  project: string,
  occurrenceId: string,
  init: MessageInitShape<typeof OccurrenceSchema> & { noteName: string },
): OccurrenceRow {
  const message = create(OccurrenceSchema, {
    createTime: fixtureTime,
    updateTime: fixtureTime,
    ...init,
    name: occurrenceName(project, occurrenceId),
  });
  const kind = kindOf(message.details.case);
  message.kind = kindNumber(kind);
  const note = parseNoteName(message.noteName);
  return {
    project,
    occurrenceId,
    name: message.name,
    noteProject: note.project,
    noteId: note.noteId,
    noteName: message.noteName,
    kind,
    resourceUri: message.resourceUri,
    createTime: micros(message.createTime),
    updateTime: micros(message.updateTime),
    json: toJsonString(OccurrenceSchema, message),
  };
}

/** An attestation-authority note, as the QA step of the walkthrough creates. */
export const attestationNote = (project: string, noteId: string): NoteRow =>
  noteRow(project, noteId, {
    shortDescription: `${noteId} attestor`,
    type: { case: "attestation", value: { hint: { humanReadableName: noteId } } },
  });

/** A vulnerability note. */
export const vulnerabilityNote = (project: string, noteId: string): NoteRow =>
  noteRow(project, noteId, {
    shortDescription: noteId,
    type: { case: "vulnerability", value: { severity: Severity.HIGH } },
  });

/** An image digest as a Grafeas resource URI; `n` makes distinct images. */
export const imageUri = (n: number) =>
  `https://gcr.io/scriba-tests/app@sha256:${n.toString(16).padStart(64, "0")}`;

/** An attestation occurrence on `resourceUri` for the note `noteName`. */
export const attestationOccurrence = (
  project: string,
  occurrenceId: string,
  note: string,
  resourceUri: string,
): OccurrenceRow =>
  occurrenceRow(project, occurrenceId, {
    noteName: note,
    resourceUri,
    details: {
      case: "attestation",
      value: { serializedPayload: new TextEncoder().encode(resourceUri) },
    },
  });

/** A vulnerability occurrence with the given effective severity. */
export const vulnerabilityOccurrence = (
  project: string,
  occurrenceId: string,
  note: string,
  resourceUri: string,
  effectiveSeverity: Severity,
): OccurrenceRow =>
  occurrenceRow(project, occurrenceId, {
    noteName: note,
    resourceUri,
    details: { case: "vulnerability", value: { effectiveSeverity, fixAvailable: false } },
  });
