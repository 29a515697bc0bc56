/**
 * @module cli/grafeas-output
 *
 * How the CLI prints notes and occurrences: a table for people (name, kind,
 * what it is about, when it was made) or canonical proto3 JSON for scripts,
 * so `scriba note list --output json | jq` reads exactly what the REST API
 * returns.
 */
import { type DescMessage, type JsonValue, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import { type Note, NoteSchema, type Occurrence, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../grafeas/proto-json.js";
import { oneOf } from "./settings.js";

export type TableOrJson = "table" | "json";
export const parseTableOrJson = oneOf<TableOrJson>("--output", ["table", "json"]);

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** Canonical proto3 JSON of a grafeas.v1 message (enums by name, defaults omitted). */
export function protoJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { registry: grafeasRegistry });
}

/** JSON text as the CLI prints it: indented, with a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function created(time: Timestamp | undefined): string {
  return time === undefined ? "" : timestampDate(time).toISOString();
}

const kindName = (kind: NoteKind) => NoteKind[kind] ?? String(kind);

export const noteTableHeaders = ["NAME", "KIND", "DESCRIPTION", "CREATED"] as const;
export const occurrenceTableHeaders = ["NAME", "KIND", "RESOURCE", "CREATED"] as const;

export function noteRow(note: Note): string[] {
  return [note.name, kindName(note.kind), note.shortDescription, created(note.createTime)];
}

export function occurrenceRow(occurrence: Occurrence): string[] {
  return [occurrence.name, kindName(occurrence.kind), occurrence.resourceUri, created(occurrence.createTime)];
}

export function notesOutput(notes: readonly Note[], output: TableOrJson): string {
  return output === "json"
    ? jsonText(notes.map((note) => protoJson(NoteSchema, note)))
    : formatTable(noteTableHeaders, notes.map(noteRow));
}

export function occurrencesOutput(occurrences: readonly Occurrence[], output: TableOrJson): string {
  return output === "json"
    ? jsonText(occurrences.map((occurrence) => protoJson(OccurrenceSchema, occurrence)))
    : formatTable(occurrenceTableHeaders, occurrences.map(occurrenceRow));
}
