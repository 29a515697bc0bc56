/**
 * @module store/test-fixtures
 *
 * Builds store rows from real grafeas.v1 messages for tests, through the same
 * `grafeas/rows.ts` derivation the service uses, so filters and stores see in
 * tests exactly what they see in production.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { kindOfNote, kindOfOccurrence } from "../grafeas/note-kind.js";
import { timestampMicros } from "../grafeas/proto-json.js";
import { noteName, occurrenceName } from "../grafeas/resource-names.js";
import { noteRow as rowOfNote, occurrenceRow as rowOfOccurrence } from "../grafeas/rows.js";
import type { NoteRow, OccurrenceRow } from "./store.js";

/** A fixed instant (2024-01-02T03:04:05.678Z), so that rows are reproducible. */
export const fixtureTime = timestampFromMs(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

export function micros(timestamp: Timestamp | undefined): number {
  return timestampMicros(timestamp ?? fixtureTime);
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
  message.kind = kindOfNote(message);
  return rowOfNote(message);
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
  message.kind = kindOfOccurrence(message);
  return rowOfOccurrence(message);
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
