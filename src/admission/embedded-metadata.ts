/**
 * @module admission/embedded-metadata
 *
 * Where the webhook, `scriba check` and `scriba audit` get metadata from: a
 * Scriba/Grafeas server (`--server URL`: over REST for `http(s)://`, over
 * gRPC for `grpc://` (plaintext) and `grpcs://` (TLS); client/server-url), or
 * an embedded Grafeas service over a store opened in this process
 * (`--storage memory | sqlite:PATH | postgres://…`), for single-process
 * installs and CI jobs that carry a database file.
 *
 * The store is opened through a {@link StoreOpener}; the default is the one
 * `scriba serve` uses (server/open-store), so `--storage` means the same in
 * every command.
 *
 * Only the REST client is imported up front. The gRPC client, the stores
 * (with their native SQLite binding and the PostgreSQL driver) and the
 * Grafeas service are imported when the location asks for them, so a webhook
 * with `--server http(s)://` loads none of them: 4 MB less heap. (Code a
 * process loads but never calls can cost it time per request: it did for the
 * Kubernetes client, docs/benchmarks.md; for these modules an A/B of the
 * webhook showed no difference beyond noise.)
 */
import type { ClientCertificate } from "../client/grafeas-client.js";
import { transportOf } from "../client/server-url.js";
import { invalidArgument } from "../errors.js";
import type { StorageSetting } from "../server/storage-config.js";
import { describeStorage } from "../server/storage-config.js";
import type { Store } from "../store/store.js";
import type { MetadataSource } from "./metadata-source.js";
import { restMetadata } from "./rest-metadata.js";

export type StoreOpener = (setting: StorageSetting) => Promise<Store>;

/** The server's store opener (memory, SQLite, and PostgreSQL where the build has it). */
export const defaultStoreOpener: StoreOpener = async (setting) => (await import("../server/open-store.js")).openStore(setting);

export interface MetadataLocation {
  /** `--server`: a Scriba/Grafeas v1 server; the scheme chooses REST (`http(s)://`) or gRPC (`grpc(s)://`). */
  readonly server?: URL | undefined;
  /** `--server-ca`: PEM CA to trust for an https or grpcs server. */
  readonly serverCa?: string | undefined;
  /** `--client-cert`/`--client-key`: presented to a server that requires mutual TLS. */
  readonly clientCertificate?: ClientCertificate | undefined;
  /** `--storage`: an embedded store. */
  readonly storage?: StorageSetting | undefined;
  /** Per call to the server (HTTP request or gRPC deadline). */
  readonly timeoutMs?: number | undefined;
}

/** Opens the metadata source; its `close` releases the embedded store, if any. */
export async function openMetadataSource(
  location: MetadataLocation,
  openStore: StoreOpener = defaultStoreOpener,
): Promise<MetadataSource & { close(): Promise<void> }> {
  if ((location.server === undefined) === (location.storage === undefined)) {
    throw invalidArgument("give exactly one of --server URL (a Scriba server) or --storage SPEC (an embedded store)");
  }
  if (location.server !== undefined) {
    const client = {
      baseUrl: location.server.toString(),
      ca: location.serverCa,
      clientCertificate: location.clientCertificate,
      timeoutMs: location.timeoutMs,
    };
    if (transportOf(location.server) !== "grpc") return restMetadata(client);
    return (await import("./grpc-metadata.js")).grpcMetadata(client);
  }
  const setting = location.storage as StorageSetting;
  const [{ GrafeasService }, { grafeasServiceMetadata }] = await Promise.all([import("../grafeas/grafeas-service.js"), import("./grafeas-service-metadata.js")]);
  const store = await openStore(setting);
  const source = grafeasServiceMetadata(new GrafeasService({ store }), {
    description: `in-process grafeas (${describeStorage(setting)})`,
  });
  return { ...source, close: () => store.close() };
}
