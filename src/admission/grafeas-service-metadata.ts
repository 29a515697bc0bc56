/**
 * @module admission/grafeas-service-metadata
 *
 * The metadata port over an in-process {@link GrafeasService}: for single
 * process installs (`scriba webhook --storage …`, or the webhook mounted in
 * `scriba serve`). Calls go through the service, not the store, so they get
 * the same name parsing, filter compilation, authorization and page tokens as
 * any remote client; the stored canonical JSON is handed over as parsed
 * objects.
 */
import { create, type JsonValue } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { ScribaError } from "../errors.js";
import {
  CreateNoteRequestSchema,
  CreateOccurrenceRequestSchema,
  ListNoteOccurrencesRequestSchema,
  ListNotesRequestSchema,
  ListOccurrencesRequestSchema,
  NoteSchema,
  OccurrenceSchema,
  UpdateOccurrenceRequestSchema,
} from "../gen/grafeas/v1/grafeas_pb.js";
import type { GrafeasService, RecordPage } from "../grafeas/grafeas-service.js";
import { messageFromJson } from "../grafeas/proto-json.js";
import { projectName } from "../grafeas/resource-names.js";
import type { JsonObject } from "../policy/crds/field-reader.js";
import type { StoredRecord } from "../store/store.js";
import type { CallContext } from "../wire/rpc.js";
import type { ListCallOptions, MetadataCallOptions, MetadataSource, NoteCreation } from "./metadata-source.js";
import { defaultMaxPages, probeProject } from "./metadata-source.js";
import { resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";

export interface GrafeasServiceMetadataOptions {
  /** Shown in logs; defaults to `in-process grafeas (<store kind>)`. */
  readonly description?: string;
  /** The principal calls are made as, for an authorizer that cares. */
  readonly principal?: string;
  readonly pageSize?: number;
  readonly maxPages?: number;
}

/** Anything but NOT_FOUND stops the answer; the engine decides what that means. */
function unavailable(what: string, error: unknown): ScribaError {
  const reason = error instanceof ScribaError ? error.message : "internal error";
  const code = error instanceof ScribaError && error.code === "DEADLINE_EXCEEDED" ? "DEADLINE_EXCEEDED" : "UNAVAILABLE";
  return new ScribaError(code, `${what}: ${reason}`, { cause: error });
}

const isNotFound = (error: unknown) => error instanceof ScribaError && error.code === "NOT_FOUND";

export function grafeasServiceMetadata(
  service: GrafeasService,
  options: GrafeasServiceMetadataOptions = {},
): MetadataSource {
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? defaultMaxPages;
  const context = (call: MetadataCallOptions | undefined): CallContext => ({
    principal: options.principal ?? "scriba-admission",
    signal: call?.signal,
  });

  async function allPages(
    what: string,
    call: ListCallOptions | undefined,
    page: (token: string) => Promise<RecordPage>,
  ): Promise<unknown[]> {
    const records: StoredRecord[] = [];
    const pageLimit = call?.maxPages ?? maxPages;
    let token = "";
    try {
      for (let pages = 0; ; pages += 1) {
        if (pages === pageLimit) {
          throw new ScribaError("UNAVAILABLE", `more than ${pageLimit} pages of ${pageSize} occurrences; refusing to read further`);
        }
        call?.signal?.throwIfAborted();
        const result = await page(token);
        records.push(...result.records);
        if (result.nextPageToken === "") break;
        token = result.nextPageToken;
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      if (call?.signal?.aborted) throw new ScribaError("DEADLINE_EXCEEDED", `${what}: the request deadline passed`);
      throw unavailable(what, error);
    }
    return records.map((record) => JSON.parse(record.json) as unknown);
  }

  return {
    description: options.description ?? `in-process grafeas (${service.store.kind})`,

    noteOccurrences(noteName, resourceUris, call) {
      const filter = resourceUriFilter(resourceUris);
      return allPages(`listing the occurrences of ${noteName}`, call, (pageToken) =>
        service.listNoteOccurrences(
          create(ListNoteOccurrencesRequestSchema, { name: noteName, filter, pageSize, pageToken }),
          context(call),
        ),
      );
    },

    vulnerabilityOccurrences(project, resourceUris, call) {
      const filter = vulnerabilityFilter(resourceUris);
      return allPages(`listing the vulnerabilities in ${projectName(project)}`, call, (pageToken) =>
        service.listOccurrences(
          create(ListOccurrencesRequestSchema, { parent: projectName(project), filter, pageSize, pageToken }),
          context(call),
        ),
      );
    },

    async createNote(project, noteId, note: JsonObject, call): Promise<NoteCreation> {
      const request = create(CreateNoteRequestSchema, {
        parent: projectName(project),
        noteId,
        note: messageFromJson(NoteSchema, note as JsonValue, "note"),
      });
      try {
        await service.createNote(request, context(call));
        return "created";
      } catch (error) {
        if (error instanceof ScribaError && error.code === "ALREADY_EXISTS") return "exists";
        throw unavailable(`creating note ${noteId} in ${projectName(project)}`, error);
      }
    },

    async createOccurrence(project, occurrence: JsonObject, call) {
      const request = create(CreateOccurrenceRequestSchema, {
        parent: projectName(project),
        occurrence: messageFromJson(OccurrenceSchema, occurrence as JsonValue, "occurrence"),
      });
      try {
        const stored = await service.createOccurrence(request, context(call));
        return JSON.parse(stored.json) as unknown;
      } catch (error) {
        throw unavailable(`creating an occurrence in ${projectName(project)}`, error);
      }
    },

    listOccurrences(project, filter, call) {
      return allPages(`listing the occurrences in ${projectName(project)}`, call, (pageToken) =>
        service.listOccurrences(create(ListOccurrencesRequestSchema, { parent: projectName(project), filter, pageSize, pageToken }), context(call)),
      );
    },

    async updateOccurrence(name, occurrence: JsonObject, updateMask, call) {
      const request = create(UpdateOccurrenceRequestSchema, {
        name,
        occurrence: messageFromJson(OccurrenceSchema, occurrence as JsonValue, "occurrence"),
        updateMask: create(FieldMaskSchema, { paths: [...updateMask] }),
      });
      try {
        const stored = await service.updateOccurrence(request, context(call));
        return JSON.parse(stored.json) as unknown;
      } catch (error) {
        if (isNotFound(error)) throw error;
        throw unavailable(`updating ${name}`, error);
      }
    },

    async probe(call) {
      try {
        await service.listNotes(create(ListNotesRequestSchema, { parent: projectName(probeProject), pageSize: 1 }), context(call));
      } catch (error) {
        if (!isNotFound(error)) throw unavailable("probing the metadata store", error);
      }
    },
  };
}
