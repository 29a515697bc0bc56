/**
 * @module server/open-store
 *
 * Opens the store a `--storage` setting names. The store kind is the only
 * thing that differs between a laptop (SQLite file) and a fleet (PostgreSQL);
 * everything above the Store port is the same.
 */
import { ScribaError } from "../errors.js";
import { createMemoryStore } from "../store/memory-store.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import type { StorageSetting } from "./storage-config.js";

export interface StoreOptions {
  readonly sqliteSynchronous?: "FULL" | "NORMAL" | undefined;
}

export function openStore(setting: StorageSetting, options: StoreOptions = {}): Promise<Store> {
  switch (setting.kind) {
    case "memory":
      return Promise.resolve(createMemoryStore());
    case "sqlite":
      return Promise.resolve(
        openSqliteStore({
          path: setting.path,
          ...(options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {}),
        }),
      );
    case "postgres":
      return Promise.reject(
        new ScribaError("UNIMPLEMENTED", "the PostgreSQL store is not available in this build; use --storage sqlite:PATH or memory"),
      );
  }
}
