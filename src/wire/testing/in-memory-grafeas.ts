/**
 * @module wire/testing/in-memory-grafeas
 *
 * A small in-memory Grafeas and Projects implementation for testing the wire
 * edges with the real descriptors and the official client. It is deliberately
 * simple (no filters, no validation beyond what the edge tests need) and is not
 * the Scriba service: it exists so the edges can be driven end to end before,
 * and independently of, the real service.
 *
 * Test hooks: a note ID of `explode` makes CreateNote fail with an internal
 * error whose message must never reach a client; an empty note ID is
 * INVALID_ARGUMENT with a field violation.
 */
import { clone, create } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, MessageShape } from "@bufbuild/protobuf";
import { EmptySchema, timestampNow } from "@bufbuild/protobuf/wkt";
import { alreadyExists, invalidArgument, notFound } from "../../errors.js";
import { Grafeas, NoteSchema, OccurrenceSchema } from "../../gen/grafeas/v1/grafeas_pb.js";
import type { Note, Occurrence } from "../../gen/grafeas/v1/grafeas_pb.js";
import { Projects } from "../../gen/grafeas/v1/project_pb.js";
import { messageReply } from "../message-reply.js";
import type { CallContext, RpcMethod } from "../rpc.js";

export const internalFailureSecret = "password=hunter2 at /var/lib/secret.db";

function unary<I extends DescMessage, O extends DescMessage>(
  method: DescMethod & { readonly input: I; readonly output: O },
  implementation: (request: MessageShape<I>, context: CallContext) => MessageShape<O>,
): RpcMethod {
  return {
    method,
    handler: (request, context) =>
      Promise.resolve().then(() => messageReply(method.output, implementation(request as MessageShape<I>, context))),
  };
}

function page<T>(items: readonly T[], pageSize: number, pageToken: string): { items: T[]; next: string } {
  const start = pageToken === "" ? 0 : Number(pageToken);
  if (!Number.isInteger(start) || start < 0) throw invalidArgument(`bad page token "${pageToken}"`);
  const size = pageSize > 0 ? pageSize : 100;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : "" };
}

/** Copies the top-level fields named by `paths` (all fields when empty) from `patch` to `target`. */
function applyMask<T extends object>(target: T, patch: T, paths: readonly string[]): void {
  const source = patch as Record<string, unknown>;
  const sink = target as Record<string, unknown>;
  const keys = paths.length === 0 ? Object.keys(source) : paths.map((p) => p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
  for (const key of keys) if (key !== "name" && key !== "$typeName") sink[key] = source[key];
}

export interface InMemoryGrafeas {
  readonly methods: RpcMethod[];
  readonly notes: Map<string, Note>;
  readonly occurrences: Map<string, Occurrence>;
  /** The update masks the Update* methods received, in order (proto paths). */
  readonly receivedMasks: string[][];
}

export function createInMemoryGrafeas(): InMemoryGrafeas {
  const notes = new Map<string, Note>();
  const occurrences = new Map<string, Occurrence>();
  const projects = new Set<string>();
  const receivedMasks: string[][] = [];
  let nextOccurrence = 1;

  const getNote = (name: string) => {
    const note = notes.get(name);
    if (!note) throw notFound(`note ${name} not found`);
    return note;
  };
  const getOccurrence = (name: string) => {
    const occurrence = occurrences.get(name);
    if (!occurrence) throw notFound(`occurrence ${name} not found`);
    return occurrence;
  };
  const createNote = (parent: string, noteId: string, note: Note | undefined) => {
    if (noteId === "") {
      throw invalidArgument("noteId is required", [{ field: "noteId", description: "is required" }]);
    }
    if (noteId === "explode") throw new Error(internalFailureSecret);
    const name = `${parent}/notes/${noteId}`;
    if (notes.has(name)) throw alreadyExists(`note ${name} already exists`);
    const stored = note ? clone(NoteSchema, note) : create(NoteSchema);
    stored.name = name;
    stored.createTime = timestampNow();
    notes.set(name, stored);
    return stored;
  };
  const createOccurrence = (parent: string, occurrence: Occurrence | undefined) => {
    if (!occurrence) throw invalidArgument("occurrence is required", [{ field: "occurrence", description: "is required" }]);
    const stored = clone(OccurrenceSchema, occurrence);
    stored.name = `${parent}/occurrences/o${nextOccurrence++}`;
    stored.createTime = timestampNow();
    occurrences.set(stored.name, stored);
    return stored;
  };
  const inProject = <T extends { name: string }>(items: Iterable<T>, parent: string) =>
    [...items].filter((item) => item.name.startsWith(`${parent}/`));

  const g = Grafeas.method;
  const p = Projects.method;
  const methods: RpcMethod[] = [
    unary(g.getOccurrence, (r) => getOccurrence(r.name)),
    unary(g.listOccurrences, (r) => {
      const { items, next } = page(inProject(occurrences.values(), r.parent), r.pageSize, r.pageToken);
      return create(g.listOccurrences.output, { occurrences: items, nextPageToken: next });
    }),
    unary(g.deleteOccurrence, (r) => {
      getOccurrence(r.name);
      occurrences.delete(r.name);
      return create(EmptySchema);
    }),
    unary(g.createOccurrence, (r) => createOccurrence(r.parent, r.occurrence)),
    unary(g.batchCreateOccurrences, (r) =>
      create(g.batchCreateOccurrences.output, { occurrences: r.occurrences.map((o) => createOccurrence(r.parent, o)) }),
    ),
    unary(g.updateOccurrence, (r) => {
      const occurrence = getOccurrence(r.name);
      receivedMasks.push([...(r.updateMask?.paths ?? [])]);
      if (r.occurrence) applyMask(occurrence, r.occurrence, r.updateMask?.paths ?? []);
      return occurrence;
    }),
    unary(g.getOccurrenceNote, (r) => getNote(getOccurrence(r.name).noteName)),
    unary(g.getNote, (r) => getNote(r.name)),
    unary(g.listNotes, (r) => {
      const { items, next } = page(inProject(notes.values(), r.parent), r.pageSize, r.pageToken);
      return create(g.listNotes.output, { notes: items, nextPageToken: next });
    }),
    unary(g.deleteNote, (r) => {
      getNote(r.name);
      notes.delete(r.name);
      return create(EmptySchema);
    }),
    unary(g.createNote, (r) => createNote(r.parent, r.noteId, r.note)),
    unary(g.batchCreateNotes, (r) =>
      create(g.batchCreateNotes.output, {
        notes: Object.entries(r.notes).map(([id, note]) => createNote(r.parent, id, note)),
      }),
    ),
    unary(g.updateNote, (r) => {
      const note = getNote(r.name);
      receivedMasks.push([...(r.updateMask?.paths ?? [])]);
      if (r.note) applyMask(note, r.note, r.updateMask?.paths ?? []);
      return note;
    }),
    unary(g.listNoteOccurrences, (r) => {
      getNote(r.name);
      const matching = [...occurrences.values()].filter((o) => o.noteName === r.name);
      const { items, next } = page(matching, r.pageSize, r.pageToken);
      return create(g.listNoteOccurrences.output, { occurrences: items, nextPageToken: next });
    }),
    unary(p.createProject, (r) => {
      const name = r.project?.name ?? "";
      if (projects.has(name)) throw alreadyExists(`project ${name} already exists`);
      projects.add(name);
      return create(p.createProject.output, { name });
    }),
    unary(p.getProject, (r) => {
      if (!projects.has(r.name)) throw notFound(`project ${r.name} not found`);
      return create(p.getProject.output, { name: r.name });
    }),
    unary(p.listProjects, (r) => {
      const { items, next } = page([...projects].sort(), r.pageSize, r.pageToken);
      return create(p.listProjects.output, {
        projects: items.map((name) => create(p.getProject.output, { name })),
        nextPageToken: next,
      });
    }),
    unary(p.deleteProject, (r) => {
      if (!projects.delete(r.name)) throw notFound(`project ${r.name} not found`);
      return create(EmptySchema);
    }),
  ];
  return { methods, notes, occurrences, receivedMasks };
}
