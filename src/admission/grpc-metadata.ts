/**
 * @module admission/grpc-metadata
 *
 * The metadata port over the grafeas.v1 gRPC service of a Scriba (or any
 * Grafeas v1) server, for a webhook running as its own process
 * (`--server grpc://scriba:8080`, or `--server grpcs://scriba.example:8443
 * [--server-ca ca.crt]` through TLS). The calls are the
 * {@link GrafeasGrpcClient}'s (ListNoteOccurrences, ListOccurrences,
 * CreateNote, CreateOccurrence, UpdateOccurrence, and ListNotes with a page
 * size of 1 for readiness); the port's error contract over them is
 * ./remote-metadata.ts, shared with the REST adapter, so both transports
 * answer and fail alike.
 *
 * The adapter holds one gRPC channel; `close()` releases it.
 */
import { GrafeasGrpcClient, type GrafeasGrpcClientOptions } from "../client/grafeas-grpc-client.js";
import type { MetadataSource } from "./metadata-source.js";
import { type RemoteMetadataOptions, remoteClientOptions, remoteMetadata } from "./remote-metadata.js";

export interface GrpcMetadataOptions extends Omit<GrafeasGrpcClientOptions, "signal">, RemoteMetadataOptions {}

/** Defaults here: a 5000 ms deadline per call, 20 pages, 32 MiB per reply, 1000 occurrences per page. */
export function grpcMetadata(options: GrpcMetadataOptions): MetadataSource & { close(): Promise<void> } {
  const client = new GrafeasGrpcClient(remoteClientOptions(options));
  return remoteMetadata(client, options);
}
