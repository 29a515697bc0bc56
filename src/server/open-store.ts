/**
 * @module server/open-store
 *
 * Opens the store a `--storage` setting names. The store kind is the only
 * thing that differs between a laptop (SQLite file) and a fleet (PostgreSQL);
 * everything above the Store port is the same.
 */
import type { Logger } from "../logging/logger.js";
import { createMemoryStore } from "../store/memory-store.js";
import type { PostgresStoreOptions } from "../store/postgres/connection-options.js";
import { openPostgresStore } from "../store/postgres/postgres-store.js";
import { openSqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import type { StorageSetting } from "./storage-config.js";

/** PostgreSQL settings other than the URL (which comes from `--storage`). */
export type PostgresSettings = Omit<PostgresStoreOptions, "url" | "logger" | "env">;

export interface StoreOptions {
  readonly sqliteSynchronous?: "FULL" | "NORMAL" | undefined;
  readonly postgres?: PostgresSettings | undefined;
  readonly logger?: Logger | undefined;
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
      return openPostgresStore({
        url: setting.url,
        ...options.postgres,
        ...(options.logger ? { logger: options.logger } : {}),
      });
  }
}
