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
import { parseNoteName, parseOccurrenceName, type NoteName, type OccurrenceName } from "./resource-names.js";

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

/**
 * The row of `occurrence`; `names` are its name and note name already parsed,
 * when the caller has just made them (a batch of a thousand would otherwise
 * parse each twice more).
 */
export function occurrenceRow(
  occurrence: Occurrence,
  names?: { readonly occurrence: OccurrenceName; readonly note: NoteName },
): OccurrenceRow {
  const { project, occurrenceId } = names?.occurrence ?? parseOccurrenceName(occurrence.name);
  const note = names?.note ?? parseNoteName(occurrence.noteName);
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
