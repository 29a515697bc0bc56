/**
 * @module admission/embedded-metadata
 *
 * Where the webhook and `scriba check` get metadata from: a Scriba/Grafeas
 * server over REST (`--server URL`), or an embedded Grafeas service over a
 * store opened in this process (`--storage memory | sqlite:PATH |
 * postgres://…`), for single-process installs and CI jobs that carry a
 * database file.
 *
 * The store is opened through a {@link StoreOpener}; the default is the one
 * `scriba serve` uses (server/open-store), so `--storage` means the same in
 * every command.
 */
import { invalidArgument } from "../errors.js";
import { GrafeasService } from "../grafeas/grafeas-service.js";
import type { StorageSetting } from "../server/storage-config.js";
import { describeStorage } from "../server/storage-config.js";
import { openStore } from "../server/open-store.js";
import type { Store } from "../store/store.js";
import { grafeasServiceMetadata } from "./grafeas-service-metadata.js";
import type { MetadataSource } from "./metadata-source.js";
import { restMetadata } from "./rest-metadata.js";

export type StoreOpener = (setting: StorageSetting) => Promise<Store>;

/** The server's store opener (memory, SQLite, and PostgreSQL where the build has it). */
export const defaultStoreOpener: StoreOpener = (setting) => openStore(setting);

export interface MetadataLocation {
  /** `--server`: a Scriba/Grafeas v1 REST endpoint. */
  readonly server?: URL | undefined;
  /** `--server-ca`: PEM CA to trust for an https server. */
  readonly serverCa?: string | undefined;
  /** `--storage`: an embedded store. */
  readonly storage?: StorageSetting | undefined;
  /** Per HTTP call to the server. */
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
    const source = restMetadata({ baseUrl: location.server.toString(), ca: location.serverCa, timeoutMs: location.timeoutMs });
    return { ...source, close: () => Promise.resolve() };
  }
  const setting = location.storage as StorageSetting;
  const store = await openStore(setting);
  const source = grafeasServiceMetadata(new GrafeasService({ store }), {
    description: `in-process grafeas (${describeStorage(setting)})`,
  });
  return { ...source, close: () => store.close() };
}
