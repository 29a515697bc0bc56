/**
 * @module admission/remote-metadata
 *
 * The metadata port over a Grafeas server in another process, whatever the
 * transport: written once over {@link GrafeasMetadataClient}, which the REST
 * client and the gRPC client both implement (./rest-metadata.ts,
 * ./grpc-metadata.ts only build their client).
 *
 * | need | client call |
 * |---|---|
 * | attestations | `listAllNoteOccurrences` (ListNoteOccurrences, filter `resourceUri="…"`) |
 * | vulnerabilities | `listAllOccurrences` (ListOccurrences, filter `… AND kind="VULNERABILITY"`) |
 * | attest-on-pass, records | `createNote`, `createOccurrence` |
 * | re-check | `listAllOccurrences`, `updateOccurrence` (with an update mask) |
 * | readiness | `listNotes` (page size 1; a Grafeas NOT_FOUND counts as an answer) |
 *
 * The clients bring the private CA, the bearer token, a timeout per call, a
 * page bound per listing and a size bound per reply. This module adds the
 * port's error contract: an absent note or project is an empty listing, an
 * existing note is `"exists"`, and whatever else stops an answer is
 * UNAVAILABLE (DEADLINE_EXCEEDED for a timeout or the caller's deadline) with
 * a message that says what was asked and which server failed to answer it.
 */
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import type { GrafeasClientOptions, GrafeasMetadataClient, ListAllOptions } from "../client/grafeas-client.js";
import { ServerReplyError } from "../client/server-reply-error.js";
import { ScribaError } from "../errors.js";
import { NoteSchema, type Occurrence, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry, messageFromJson } from "../grafeas/proto-json.js";
import { projectName } from "../grafeas/resource-names.js";
import type { JsonObject } from "../policy/crds/field-reader.js";
import type { ListCallOptions, MetadataSource, NoteCreation } from "./metadata-source.js";
import { defaultMaxPages, probeProject } from "./metadata-source.js";
import { resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";

export interface RemoteMetadataOptions {
  /** Occurrences asked for per page (default 1000). */
  readonly pageSize?: number | undefined;
}

/** The defaults the remote adapters give their client: the webhook's budget is seconds, not minutes. */
export const remoteMetadataDefaults = {
  timeoutMs: 5000,
  maxResponseBytes: 32 * 1024 * 1024,
} as const;

/** The client options with the adapters' defaults filled in: 5000 ms per call, 20 pages, 32 MiB per reply. */
export function remoteClientOptions<T extends GrafeasClientOptions>(options: T): T {
  return {
    ...options,
    timeoutMs: options.timeoutMs ?? remoteMetadataDefaults.timeoutMs,
    maxPages: options.maxPages ?? defaultMaxPages,
    maxResponseBytes: options.maxResponseBytes ?? remoteMetadataDefaults.maxResponseBytes,
  };
}

const hasCode = (error: unknown, code: ScribaError["code"]): error is ScribaError => error instanceof ScribaError && error.code === code;

const occurrenceJson = (occurrence: Occurrence): unknown => toJson(OccurrenceSchema, occurrence, { registry: grafeasRegistry });

/** The port over `client`; its `close` releases the client's connections. */
export function remoteMetadata(client: GrafeasMetadataClient, options: RemoteMetadataOptions = {}): MetadataSource & { close(): Promise<void> } {
  const pageSize = options.pageSize ?? 1000;
  const server = client.baseUrl;

  /** What stopped `what`, as the port reports it. The clients' own failures name the server already. */
  function unavailable(what: string, error: unknown): ScribaError {
    const failure = ScribaError.from(error);
    if (failure.code === "CANCELLED") {
      return new ScribaError("DEADLINE_EXCEEDED", `${what}: the request deadline passed before ${server} answered`, { cause: error });
    }
    const reason = failure instanceof ServerReplyError ? `${server} answered ${failure.reply}: ${failure.message}` : failure.message;
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

    close() {
      client.close?.();
      return Promise.resolve();
    },
  };
}
