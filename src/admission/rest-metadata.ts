/**
 * @module admission/rest-metadata
 *
 * The metadata port over the grafeas.v1 REST mapping of a Scriba (or any
 * Grafeas v1) server, for a webhook running as its own process
 * (`--server https://scriba.example:8443 [--server-ca ca.crt]`). The requests
 * are the {@link GrafeasRestClient}'s, the one REST client of the project
 * (`GET /v1/projects/P/notes/N/occurrences?filter=…`,
 * `GET /v1/projects/P/occurrences?filter=…`, `POST …/notes?noteId=N`,
 * `POST …/occurrences`, `PATCH …/occurrences/O?updateMask=…`, and
 * `GET /v1/projects/P/notes?pageSize=1` for readiness); the port's error
 * contract over them is ./remote-metadata.ts, shared with the gRPC adapter.
 *
 * The client reads a 404 as NOT_FOUND only when the body is a Grafeas error
 * saying so, so a URL that is not a Grafeas server never reads as "no
 * attestations".
 */
import { GrafeasRestClient, type GrafeasRestClientOptions } from "../client/grafeas-rest-client.js";
import type { MetadataSource } from "./metadata-source.js";
import { type RemoteMetadataOptions, remoteClientOptions, remoteMetadata } from "./remote-metadata.js";

export interface RestMetadataOptions extends Omit<GrafeasRestClientOptions, "signal">, RemoteMetadataOptions {}

/** Defaults here: 5000 ms per call, 20 pages, 32 MiB per reply, 1000 occurrences per page. */
export function restMetadata(options: RestMetadataOptions): MetadataSource & { close(): Promise<void> } {
  const client = new GrafeasRestClient(remoteClientOptions(options));
  return remoteMetadata(client, options);
}
