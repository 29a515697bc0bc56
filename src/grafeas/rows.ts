/**
 * @module grafeas/rows
 *
 * Turns a finished note or occurrence (name, kind and times already set by the
 * service) into the row a store writes: canonical JSON plus the indexed
 * columns derived from it. Deriving the columns in one place keeps every store
 * and every filter in agreement about what they contain.
 */
import { NoteSchema, OccurrenceSchema, type Note, type Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import type { NoteRow, OccurrenceRow } from "../store/store.js";
import { kindName } from "./note-kind.js";
import { timestampMicros, toCanonicalJson } from "./proto-json.js";
import { parseNoteName, parseOccurrenceName } from "./resource-names.js";

export function noteRow(note: Note): NoteRow {
  const { project, noteId } = parseNoteName(note.name);
  return {
    project,
    noteId,
    name: note.name,
    kind: kindName(note.kind),
    createTime: timestampMicros(note.createTime),
    updateTime: timestampMicros(note.updateTime),
    json: toCanonicalJson(NoteSchema, note),
  };
}

export function occurrenceRow(occurrence: Occurrence): OccurrenceRow {
  const { project, occurrenceId } = parseOccurrenceName(occurrence.name);
  const note = parseNoteName(occurrence.noteName);
  return {
    project,
    occurrenceId,
    name: occurrence.name,
    noteProject: note.project,
    noteId: note.noteId,
    noteName: occurrence.noteName,
    kind: kindName(occurrence.kind),
    resourceUri: occurrence.resourceUri,
    createTime: timestampMicros(occurrence.createTime),
    updateTime: timestampMicros(occurrence.updateTime),
    json: toCanonicalJson(OccurrenceSchema, occurrence),
  };
}
