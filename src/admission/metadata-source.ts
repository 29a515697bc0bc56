/**
 * @module admission/metadata-source
 *
 * What the admission engine asks a Grafeas-compatible metadata server, and
 * nothing more: one port, several adapters.
 *
 * - {@link MetadataSource.noteOccurrences}: the occurrences of an
 *   AttestationAuthority's note (`noteReference`) whose resource is the image
 *   (ListNoteOccurrences, filter `resourceUri="…"`), from every project, every
 *   page. ATTESTATION and DSSE_ATTESTATION occurrences are both returned; the
 *   engine verifies each.
 * - {@link MetadataSource.vulnerabilityOccurrences}: the VULNERABILITY
 *   occurrences of the image in one project (ListOccurrences, filter
 *   `resourceUri="…" AND kind="VULNERABILITY"`), every page.
 * - {@link MetadataSource.createNote} / {@link MetadataSource.createOccurrence}:
 *   for the ImageSecurityPolicy attest-on-pass cache, and for the audit and
 *   deployment records (./records/).
 * - {@link MetadataSource.listOccurrences} / {@link MetadataSource.updateOccurrence}:
 *   for the background re-check, which finds the DEPLOYMENT occurrences of
 *   pods that are gone and gives them their `undeployTime`.
 * - {@link MetadataSource.probe}: a cheap read, for readiness.
 *
 * Objects cross the port as grafeas.v1 **proto3 JSON** (what the store holds
 * and the REST surface returns), so an adapter over gRPC only has to render
 * messages with `toJson`, and the engine never depends on a transport.
 *
 * Adapters: over an in-process GrafeasService (./grafeas-service-metadata.ts),
 * and over a remote server through ./remote-metadata.ts, which holds the
 * error contract below for both transports: REST (./rest-metadata.ts,
 * `--server http(s)://…`) and gRPC (./grpc-metadata.ts, `--server
 * grpc(s)://…`).
 *
 * Error contract: an absent note or project is an empty answer, not an error
 * (nobody attested yet). Anything else that stops an answer (unreachable
 * server, timeout, a malformed reply, too many pages) is a {@link ScribaError}
 * with code UNAVAILABLE or DEADLINE_EXCEEDED and a message fit for a denial;
 * the engine then applies the KritisConfig `metadataFailurePolicy`.
 */
import type { JsonObject } from "../policy/crds/field-reader.js";

export interface MetadataCallOptions {
  /** Aborts the call (the request deadline, or the client went away). */
  readonly signal?: AbortSignal | undefined;
}

export interface ListCallOptions extends MetadataCallOptions {
  /** Pages read before giving up (default {@link defaultMaxPages}). */
  readonly maxPages?: number | undefined;
}

/** What creating a note did: made it, or found it already there (both are fine). */
export type NoteCreation = "created" | "exists";

export interface MetadataSource {
  /** For logs: `in-process grafeas (sqlite)`, `https://scriba.example:8443`. */
  readonly description: string;
  /**
   * Every occurrence of `noteName` (`projects/P/notes/N`) whose `resourceUri`
   * is one of `resourceUris`, from every project. An absent note yields [].
   */
  noteOccurrences(
    noteName: string,
    resourceUris: readonly string[],
    options?: MetadataCallOptions,
  ): Promise<readonly unknown[]>;
  /**
   * Every VULNERABILITY occurrence in `project` whose `resourceUri` is one of
   * `resourceUris`. An absent project yields [].
   */
  vulnerabilityOccurrences(
    project: string,
    resourceUris: readonly string[],
    options?: MetadataCallOptions,
  ): Promise<readonly unknown[]>;
  /** Creates `projects/{project}/notes/{noteId}` from proto3 JSON; an existing note is fine. */
  createNote(project: string, noteId: string, note: JsonObject, options?: MetadataCallOptions): Promise<NoteCreation>;
  /** Creates an occurrence in `project` from proto3 JSON; returns the stored occurrence as JSON. */
  createOccurrence(project: string, occurrence: JsonObject, options?: MetadataCallOptions): Promise<unknown>;
  /** Every occurrence in `project` matching the AIP-160 `filter`, every page. An absent project yields []. */
  listOccurrences(project: string, filter: string, options?: ListCallOptions): Promise<readonly unknown[]>;
  /**
   * Changes the fields `updateMask` names (`deployment.undeployTime`) of the
   * occurrence `name` (`projects/P/occurrences/O`) to their values in
   * `occurrence`; returns the stored occurrence as JSON.
   */
  updateOccurrence(name: string, occurrence: JsonObject, updateMask: readonly string[], options?: MetadataCallOptions): Promise<unknown>;
  /** Resolves when the server answers a cheap read; rejects with UNAVAILABLE or DEADLINE_EXCEEDED otherwise. */
  probe(options?: MetadataCallOptions): Promise<void>;
  /** Releases what the adapter holds (an embedded store, for instance). */
  close?(): Promise<void>;
}

/** How many pages an adapter reads before it gives up (a bound, so a runaway listing cannot hang admission). */
export const defaultMaxPages = 20;

/** The project whose notes a readiness probe lists; it need not exist (a Grafeas NOT_FOUND is an answer). */
export const probeProject = "scriba-readiness-probe";

/**
 * `source` with some of its calls replaced, every other call passed through:
 * how the caching and instrumenting decorators are built.
 */
export function decorateMetadataSource(source: MetadataSource, overrides: Partial<MetadataSource>): MetadataSource {
  return {
    description: source.description,
    noteOccurrences: (noteName, resourceUris, options) => source.noteOccurrences(noteName, resourceUris, options),
    vulnerabilityOccurrences: (project, resourceUris, options) => source.vulnerabilityOccurrences(project, resourceUris, options),
    createNote: (project, noteId, note, options) => source.createNote(project, noteId, note, options),
    createOccurrence: (project, occurrence, options) => source.createOccurrence(project, occurrence, options),
    listOccurrences: (project, filter, options) => source.listOccurrences(project, filter, options),
    updateOccurrence: (name, occurrence, updateMask, options) => source.updateOccurrence(name, occurrence, updateMask, options),
    probe: (options) => source.probe(options),
    ...(source.close === undefined ? {} : { close: () => source.close!() }),
    ...overrides,
  };
}
