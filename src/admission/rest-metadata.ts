/**
 * @module admission/rest-metadata
 *
 * The metadata port over the grafeas.v1 REST mapping of a Scriba (or any
 * Grafeas v1) server, for a webhook running as its own process
 * (`--server https://scriba.example:8443 [--server-ca ca.crt]`). The requests
 * are the {@link GrafeasRestClient}'s, the one REST client of the project:
 *
 * | need | client call (request) |
 * |---|---|
 * | attestations | `listAllNoteOccurrences` (`GET /v1/projects/P/notes/N/occurrences?filter=…`) |
 * | vulnerabilities | `listAllOccurrences` (`GET /v1/projects/P/occurrences?filter=…`) |
 * | attest-on-pass, records | `createNote`, `createOccurrence` (`POST …/notes?noteId=N`, `POST …/occurrences`) |
 * | re-check | `listAllOccurrences`, `updateOccurrence` (`PATCH …/occurrences/O?updateMask=…`) |
 * | readiness | `listNotes` (`GET /v1/projects/P/notes?pageSize=1`; a Grafeas NOT_FOUND counts as an answer) |
 *
 * The client brings the private CA, the bearer token, a timeout per call, a
 * page bound per listing and a size bound per reply; it reads a 404 as
 * NOT_FOUND only when the body is a Grafeas error saying so, so a URL that is
 * not a Grafeas server never reads as "no attestations". This adapter adds
 * the port's error contract: an absent note or project is an empty listing,
 * an existing note is `"exists"`, and whatever else stops an answer is
 * UNAVAILABLE (DEADLINE_EXCEEDED for a timeout or the caller's deadline) with
 * a message that says what was asked and which server failed to answer it.
 */
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { type ListAllOptions, GrafeasRestClient, type GrafeasRestClientOptions } from "../client/grafeas-rest-client.js";
import { ServerReplyError } from "../client/rest-error.js";
import { ScribaError } from "../errors.js";
import { NoteSchema, type Occurrence, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry, messageFromJson } from "../grafeas/proto-json.js";
import { projectName } from "../grafeas/resource-names.js";
import type { JsonObject } from "../policy/crds/field-reader.js";
import type { ListCallOptions, MetadataSource, NoteCreation } from "./metadata-source.js";
import { defaultMaxPages, probeProject } from "./metadata-source.js";
import { resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";

export interface RestMetadataOptions extends Omit<GrafeasRestClientOptions, "signal"> {
  /** Occurrences asked for per page (default 1000). Defaults here: 5000 ms per call, 20 pages, 32 MiB per reply. */
  readonly pageSize?: number | undefined;
}

const hasCode = (error: unknown, code: ScribaError["code"]): error is ScribaError => error instanceof ScribaError && error.code === code;

const occurrenceJson = (occurrence: Occurrence): unknown => toJson(OccurrenceSchema, occurrence, { registry: grafeasRegistry });

export function restMetadata(options: RestMetadataOptions): MetadataSource {
  const client = new GrafeasRestClient({
    ...options,
    timeoutMs: options.timeoutMs ?? 5000,
    maxPages: options.maxPages ?? defaultMaxPages,
    maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
  });
  const pageSize = options.pageSize ?? 1000;
  const server = client.baseUrl;

  /** What stopped `what`, as the port reports it. The client's own failures name the server already. */
  function unavailable(what: string, error: unknown): ScribaError {
    const failure = ScribaError.from(error);
    if (failure.code === "CANCELLED") {
      return new ScribaError("DEADLINE_EXCEEDED", `${what}: the request deadline passed before ${server} answered`, { cause: error });
    }
    const reason = failure instanceof ServerReplyError ? `${server} answered HTTP ${failure.replyStatus}: ${failure.message}` : failure.message;
    return new ScribaError(failure.code === "DEADLINE_EXCEEDED" ? "DEADLINE_EXCEEDED" : "UNAVAILABLE", `${what}: ${reason}`, { cause: error });
  }

  async function listing(what: string, call: ListCallOptions | undefined, list: (options: ListAllOptions) => Promise<Occurrence[]>) {
    try {
      const occurrences = await list({ pageSize, maxPages: call?.maxPages, signal: call?.signal });
      return occurrences.map(occurrenceJson);
    } catch (error) {
      if (hasCode(error, "NOT_FOUND")) return [];
      throw unavailable(what, error);
    }
  }

  return {
    description: server,

    noteOccurrences(noteName, resourceUris, call) {
      const filter = resourceUriFilter(resourceUris);
      return listing(`listing the occurrences of ${noteName}`, call, (list) => client.listAllNoteOccurrences(noteName, { ...list, filter }));
    },

    vulnerabilityOccurrences(project, resourceUris, call) {
      const filter = vulnerabilityFilter(resourceUris);
      const parent = projectName(project);
      return listing(`listing the vulnerabilities in ${parent}`, call, (list) => client.listAllOccurrences(parent, { ...list, filter }));
    },

    listOccurrences(project, filter, call) {
      const parent = projectName(project);
      return listing(`listing the occurrences in ${parent}`, call, (list) => client.listAllOccurrences(parent, { ...list, filter }));
    },

    async createNote(project, noteId, note: JsonObject, call): Promise<NoteCreation> {
      try {
        await client.createNote(projectName(project), noteId, messageFromJson(NoteSchema, note as JsonValue, "note"), call);
        return "created";
      } catch (error) {
        if (hasCode(error, "ALREADY_EXISTS")) return "exists";
        throw unavailable(`creating note ${noteId} in ${projectName(project)}`, error);
      }
    },

    async createOccurrence(project, occurrence: JsonObject, call) {
      try {
        const message = messageFromJson(OccurrenceSchema, occurrence as JsonValue, "occurrence");
        return occurrenceJson(await client.createOccurrence(projectName(project), message, call));
      } catch (error) {
        throw unavailable(`creating an occurrence in ${projectName(project)}`, error);
      }
    },

    async updateOccurrence(name, occurrence: JsonObject, updateMask, call) {
      const what = `updating ${name}`;
      try {
        const message = messageFromJson(OccurrenceSchema, occurrence as JsonValue, "occurrence");
        return occurrenceJson(await client.updateOccurrence(name, message, { updateMask, signal: call?.signal }));
      } catch (error) {
        if (hasCode(error, "NOT_FOUND")) throw new ScribaError("NOT_FOUND", `${what}: ${error.message}`);
        throw unavailable(what, error);
      }
    },

    async probe(call) {
      try {
        await client.listNotes(projectName(probeProject), { pageSize: 1, signal: call?.signal });
      } catch (error) {
        if (!hasCode(error, "NOT_FOUND")) throw unavailable("probing the metadata server", error);
      }
    },
  };
}
