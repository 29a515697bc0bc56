/**
 * @module server/grafeas-rpc
 *
 * Binds the grafeas.v1.Grafeas and grafeas.v1.project.Projects RPCs to the
 * services: each entry takes the decoded request message, calls the service,
 * and wraps its result in a Reply. Every edge (gRPC, REST, v1alpha1) serves
 * this one table.
 */
import type { DescMessage, DescMethod, MessageShape } from "@bufbuild/protobuf";
import {
  BatchCreateNotesResponseSchema,
  BatchCreateOccurrencesResponseSchema,
  Grafeas,
  ListNoteOccurrencesResponseSchema,
  ListNotesResponseSchema,
  ListOccurrencesResponseSchema,
  NoteSchema,
  OccurrenceSchema,
} from "../gen/grafeas/v1/grafeas_pb.js";
import {
  ListProjectsResponseSchema,
  ProjectSchema,
  Projects,
} from "../gen/grafeas/v1/project_pb.js";
import type { GrafeasService, RecordPage } from "../grafeas/grafeas-service.js";
import type { ProjectsService } from "../grafeas/projects-service.js";
import type { CallContext, Reply, RpcMethod } from "../wire/rpc.js";
import { emptyReply, listReply, recordReply } from "./replies.js";

function rpc<I extends DescMessage>(
  method: DescMethod & { input: I },
  handler: (request: MessageShape<I>, context: CallContext) => Promise<Reply>,
): RpcMethod {
  return { method, handler: handler as RpcMethod["handler"] };
}

const page = (schema: DescMessage, item: DescMessage, field: string) => (p: RecordPage) =>
  listReply(schema, item, field, p.records, p.nextPageToken);

export function grafeasRpcMethods(service: GrafeasService): RpcMethod[] {
  const m = Grafeas.method;
  const note = (r: Parameters<typeof recordReply>[1]) => recordReply(NoteSchema, r);
  const occurrence = (r: Parameters<typeof recordReply>[1]) => recordReply(OccurrenceSchema, r);
  return [
    rpc(m.getOccurrence, (q, c) => service.getOccurrence(q, c).then(occurrence)),
    rpc(m.listOccurrences, (q, c) =>
      service.listOccurrences(q, c).then(page(ListOccurrencesResponseSchema, OccurrenceSchema, "occurrences")),
    ),
    rpc(m.deleteOccurrence, (q, c) => service.deleteOccurrence(q, c).then(() => emptyReply)),
    rpc(m.createOccurrence, (q, c) => service.createOccurrence(q, c).then(occurrence)),
    rpc(m.batchCreateOccurrences, (q, c) =>
      service
        .batchCreateOccurrences(q, c)
        .then((r) => listReply(BatchCreateOccurrencesResponseSchema, OccurrenceSchema, "occurrences", r)),
    ),
    rpc(m.updateOccurrence, (q, c) => service.updateOccurrence(q, c).then(occurrence)),
    rpc(m.getOccurrenceNote, (q, c) => service.getOccurrenceNote(q, c).then(note)),
    rpc(m.getNote, (q, c) => service.getNote(q, c).then(note)),
    rpc(m.listNotes, (q, c) =>
      service.listNotes(q, c).then(page(ListNotesResponseSchema, NoteSchema, "notes")),
    ),
    rpc(m.deleteNote, (q, c) => service.deleteNote(q, c).then(() => emptyReply)),
    rpc(m.createNote, (q, c) => service.createNote(q, c).then(note)),
    rpc(m.batchCreateNotes, (q, c) =>
      service
        .batchCreateNotes(q, c)
        .then((r) => listReply(BatchCreateNotesResponseSchema, NoteSchema, "notes", r)),
    ),
    rpc(m.updateNote, (q, c) => service.updateNote(q, c).then(note)),
    rpc(m.listNoteOccurrences, (q, c) =>
      service
        .listNoteOccurrences(q, c)
        .then(page(ListNoteOccurrencesResponseSchema, OccurrenceSchema, "occurrences")),
    ),
  ];
}

export function projectsRpcMethods(service: ProjectsService): RpcMethod[] {
  const m = Projects.method;
  const project = (r: Parameters<typeof recordReply>[1]) => recordReply(ProjectSchema, r);
  return [
    rpc(m.createProject, (q, c) => service.createProject(q, c).then(project)),
    rpc(m.getProject, (q, c) => service.getProject(q, c).then(project)),
    rpc(m.listProjects, (q, c) =>
      service.listProjects(q, c).then(page(ListProjectsResponseSchema, ProjectSchema, "projects")),
    ),
    rpc(m.deleteProject, (q, c) => service.deleteProject(q, c).then(() => emptyReply)),
  ];
}
