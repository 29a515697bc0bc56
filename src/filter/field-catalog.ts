/**
 * @module filter/field-catalog
 *
 * Which names a filter may use, per resource, and what they point at.
 *
 * A few names map to indexed columns (see `store/store.ts`), including the
 * virtual `noteProjectId`/`noteId` and the v1beta1-era `resourceUrl` that real
 * clients (Kritis, Google's samples) still send. Every other name is resolved
 * field by field against the generated protobuf-es descriptors, accepting the
 * JSON (camelCase) or proto (snake_case) name of each field, into a JSON path
 * in `data`. Repeated fields and map keys on the way become iteration steps.
 * Well-known types other than Timestamp (Any, Struct, Value, ListValue) are
 * opaque: they can be tested for presence but not looked into.
 */
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import type { MemberSegment } from "./ast.js";
import type { FilterResource } from "./compiled-filter.js";
import type { ColumnName, Step } from "./condition.js";
import { filterError } from "./filter-error.js";

export type ScalarKind = "string" | "bytes" | "bool" | "int32" | "uint32" | "int64" | "uint64" | "float";

export type FieldType =
  | { readonly kind: "scalar"; readonly scalar: ScalarKind }
  | { readonly kind: "enum"; readonly enum: DescEnum }
  | { readonly kind: "timestamp" }
  /** A message, or an opaque well-known type: presence only. */
  | { readonly kind: "message"; readonly typeName: string };

export type FieldRef =
  | { readonly source: "column"; readonly column: ColumnName; readonly type: FieldType; readonly label: string }
  | {
      readonly source: "json";
      readonly steps: readonly Step[];
      /** JSON keys from the last step (or the document) to the field. */
      readonly path: readonly string[];
      /** `list`/`map`: the field itself is repeated or a map; `type` is then its element or value type. */
      readonly shape: "singular" | "list" | "map";
      readonly type: FieldType;
      readonly label: string;
    };

const noteKindField = OccurrenceSchema.fields.find((field) => field.name === "kind");
if (noteKindField?.fieldKind !== "enum") throw new Error("grafeas.v1.Occurrence.kind is not an enum");
/** grafeas.v1.NoteKind, the type of every `kind`. */
export const noteKindEnum: DescEnum = noteKindField.enum;

const stringType: FieldType = { kind: "scalar", scalar: "string" };
const kindType: FieldType = { kind: "enum", enum: noteKindEnum };
const timestampType: FieldType = { kind: "timestamp" };

type Vocabulary = Readonly<Record<string, { column: ColumnName; type: FieldType }>>;

const timeColumns: Vocabulary = {
  createTime: { column: "create_time", type: timestampType },
  create_time: { column: "create_time", type: timestampType },
  updateTime: { column: "update_time", type: timestampType },
  update_time: { column: "update_time", type: timestampType },
};

const columnNames: Readonly<Record<FilterResource, Vocabulary>> = {
  project: { name: { column: "name", type: stringType } },
  note: {
    name: { column: "name", type: stringType },
    kind: { column: "kind", type: kindType },
    ...timeColumns,
  },
  occurrence: {
    name: { column: "name", type: stringType },
    kind: { column: "kind", type: kindType },
    resourceUri: { column: "resource_uri", type: stringType },
    resource_uri: { column: "resource_uri", type: stringType },
    resourceUrl: { column: "resource_uri", type: stringType },
    resource_url: { column: "resource_uri", type: stringType },
    noteName: { column: "note_name", type: stringType },
    note_name: { column: "note_name", type: stringType },
    noteProjectId: { column: "note_project", type: stringType },
    note_project_id: { column: "note_project", type: stringType },
    noteId: { column: "note_id", type: stringType },
    note_id: { column: "note_id", type: stringType },
    ...timeColumns,
  },
};

/** The message whose fields a resource's JSON paths resolve against (none for projects). */
const rootSchemas: Readonly<Record<FilterResource, DescMessage | undefined>> = {
  project: undefined,
  note: NoteSchema,
  occurrence: OccurrenceSchema,
};

/** Resolves a member path for a resource; throws INVALID_ARGUMENT naming the field and its column. */
export function resolveMember(
  member: readonly MemberSegment[],
  resource: FilterResource,
  text: string,
): FieldRef {
  const label = member.map((segment) => (segment.quoted ? JSON.stringify(segment.name) : segment.name)).join(".");
  const first = member[0]!;
  const special = Object.hasOwn(columnNames[resource], first.name) ? columnNames[resource][first.name] : undefined;
  const root = rootSchemas[resource];
  if (special !== undefined && member.length === 1) {
    return { source: "column", column: special.column, type: special.type, label };
  }
  if (root === undefined) {
    throw filterError(text, first.offset, `unknown field ${JSON.stringify(label)}: projects can be filtered by name only`);
  }
  if (special !== undefined && findField(root, first.name) === undefined) {
    const second = member[1]!;
    throw filterError(text, second.offset, `${first.name} is a string and has no field ${JSON.stringify(second.name)}`);
  }
  return resolveJsonPath(member, root, resource, label, text);
}

function resolveJsonPath(
  member: readonly MemberSegment[],
  root: DescMessage,
  resource: FilterResource,
  label: string,
  text: string,
): FieldRef {
  let message = root;
  const steps: Step[] = [];
  let path: string[] = [];
  for (let i = 0; i < member.length; i++) {
    const segment = member[i]!;
    const field = findField(message, segment.name);
    if (field === undefined) {
      const hint =
        message === root && resource === "occurrence"
          ? " (besides its fields, occurrences accept resourceUrl, noteProjectId and noteId)"
          : "";
      throw filterError(
        text,
        segment.offset,
        `unknown field ${JSON.stringify(label)}: ${message.typeName} has no field ${JSON.stringify(segment.name)}${hint}`,
      );
    }
    path.push(field.jsonName);
    const sofar = member.slice(0, i + 1).map((s) => s.name).join(".");
    const next = member[i + 1];
    const isLast = next === undefined;
    const noField = () =>
      filterError(text, next!.offset, `${sofar} is ${describeField(field)} and has no field ${JSON.stringify(next!.name)}`);

    if (field.fieldKind === "scalar" || field.fieldKind === "enum") {
      if (!isLast) throw noField();
      return { source: "json", steps, path, shape: "singular", type: typeOf(field), label };
    }
    if (field.fieldKind === "message") {
      if (isLast || !isPlainMessage(field.message)) {
        if (!isLast) throw noField();
        return { source: "json", steps, path, shape: "singular", type: messageType(field.message), label };
      }
      message = field.message;
      continue;
    }
    if (field.fieldKind === "list") {
      if (isLast) return { source: "json", steps, path, shape: "list", type: typeOf(field), label };
      if (field.listKind !== "message" || !isPlainMessage(field.message)) throw noField();
      steps.push({ iterate: "elements", path });
      path = [];
      message = field.message;
      continue;
    }
    // A map: the next segment, if any, is a key.
    if (isLast) return { source: "json", steps, path, shape: "map", type: typeOf(field), label };
    steps.push({ iterate: "entry", path, key: next.name });
    path = [];
    i++;
    if (i === member.length - 1) {
      return { source: "json", steps, path, shape: "singular", type: typeOf(field), label };
    }
    if (field.mapKind !== "message" || !isPlainMessage(field.message)) {
      const after = member[i + 1]!;
      throw filterError(
        text,
        after.offset,
        `${member.slice(0, i + 1).map((s) => s.name).join(".")} is ${describeType(typeOf(field))} and has no field ${JSON.stringify(after.name)}`,
      );
    }
    message = field.message;
  }
  // The loop returns at the last segment; a member always has one.
  throw new Error("unreachable: empty member path");
}

function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((field) => field.jsonName === name || field.name === name);
}

/** Messages a path may step into: not the well-known types, which have their own JSON forms. */
function isPlainMessage(message: DescMessage): boolean {
  return !message.typeName.startsWith("google.protobuf.");
}

function messageType(message: DescMessage): FieldType {
  return message.typeName === "google.protobuf.Timestamp" ? timestampType : { kind: "message", typeName: message.typeName };
}

/** The type of a singular field, or of the elements/values of a repeated/map field. */
function typeOf(field: DescField): FieldType {
  switch (field.fieldKind) {
    case "scalar":
      return { kind: "scalar", scalar: scalarKind(field.scalar) };
    case "enum":
      return { kind: "enum", enum: field.enum };
    case "message":
      return messageType(field.message);
    case "list":
      if (field.listKind === "scalar") return { kind: "scalar", scalar: scalarKind(field.scalar) };
      if (field.listKind === "enum") return { kind: "enum", enum: field.enum };
      return messageType(field.message);
    case "map":
      if (field.mapKind === "scalar") return { kind: "scalar", scalar: scalarKind(field.scalar) };
      if (field.mapKind === "enum") return { kind: "enum", enum: field.enum };
      return messageType(field.message);
  }
}

function scalarKind(scalar: ScalarType): ScalarKind {
  switch (scalar) {
    case ScalarType.STRING:
      return "string";
    case ScalarType.BYTES:
      return "bytes";
    case ScalarType.BOOL:
      return "bool";
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return "int32";
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return "uint32";
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return "int64";
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return "uint64";
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return "float";
  }
}

/** `a string`, `an enum (grafeas.v1.Severity)`, `a message (grafeas.v1.Version)`, … */
export function describeType(type: FieldType): string {
  switch (type.kind) {
    case "scalar":
      return type.scalar === "int32" || type.scalar === "int64" ? `an ${type.scalar}` : `a ${type.scalar}`;
    case "enum":
      return `an enum (${type.enum.typeName})`;
    case "timestamp":
      return "a timestamp";
    case "message":
      return `a message (${type.typeName})`;
  }
}

function describeField(field: DescField): string {
  if (field.fieldKind === "list") return `a repeated ${describeType(typeOf(field)).replace(/^an? /, "")}`;
  if (field.fieldKind === "map") return `a map of ${describeType(typeOf(field)).replace(/^an? /, "")} values`;
  return describeType(typeOf(field));
}
