/**
 * @module grafeas/note-kind
 *
 * `kind` is output only in grafeas.v1: Scriba derives it from the details
 * oneof of a note or occurrence (upstream stores whatever the client sent,
 * often NOTE_KIND_UNSPECIFIED).
 */
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import type { Note, Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";

const kindOfCase: Record<string, NoteKind> = {
  vulnerability: NoteKind.VULNERABILITY,
  build: NoteKind.BUILD,
  image: NoteKind.IMAGE,
  package: NoteKind.PACKAGE,
  deployment: NoteKind.DEPLOYMENT,
  discovery: NoteKind.DISCOVERY,
  attestation: NoteKind.ATTESTATION,
  upgrade: NoteKind.UPGRADE,
  compliance: NoteKind.COMPLIANCE,
  dsseAttestation: NoteKind.DSSE_ATTESTATION,
  vulnerabilityAssessment: NoteKind.VULNERABILITY_ASSESSMENT,
  sbomReference: NoteKind.SBOM_REFERENCE,
  secret: NoteKind.SECRET,
};

export function kindOfNote(note: Note): NoteKind {
  return note.type.case === undefined
    ? NoteKind.NOTE_KIND_UNSPECIFIED
    : (kindOfCase[note.type.case] ?? NoteKind.NOTE_KIND_UNSPECIFIED);
}

export function kindOfOccurrence(occurrence: Occurrence): NoteKind {
  return occurrence.details.case === undefined
    ? NoteKind.NOTE_KIND_UNSPECIFIED
    : (kindOfCase[occurrence.details.case] ?? NoteKind.NOTE_KIND_UNSPECIFIED);
}

/** The enum value's name (`ATTESTATION`), as stored in the `kind` column. */
export function kindName(kind: NoteKind): string {
  return NoteKind[kind];
}
