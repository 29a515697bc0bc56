/**
 * @module test/support/test-server
 *
 * Starts the real Scriba server (the same composition `scriba serve` uses) on
 * 127.0.0.1 and a free port, over an in-memory store or a SQLite file in a
 * fresh temporary directory, and records every line the server logs at error
 * level so a test file can prove no client request became an internal failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/logging/logger.js";
import { openStore } from "../../src/server/open-store.js";
import { startScribaServer, type RunningScribaServer } from "../../src/server/scriba-server.js";
import { parseStorageSetting } from "../../src/server/storage-config.js";

export type StoreKind = "memory" | "sqlite";

/** Every store the integration tests run against; each test file runs once per entry. */
export const storeKinds: readonly StoreKind[] = ["memory", "sqlite"];

export interface TestServerOptions {
  readonly store: StoreKind;
  /** A SQLite file to use (and keep); by default a fresh file in a temporary directory that close() removes. */
  readonly sqlitePath?: string;
  readonly pageTokenKey?: Uint8Array;
  readonly maxBodyBytes?: number;
}

export interface TestServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  readonly server: RunningScribaServer;
  /** The SQLite file, for a SQLite store. */
  readonly sqlitePath: string | undefined;
  /** JSON lines the server logged at level "error" (internal failures). */
  readonly errorLog: readonly string[];
  /** Stops the server, closes the store and removes the temporary directory. */
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  let dir: string | undefined;
  let sqlitePath = options.sqlitePath;
  if (options.store === "sqlite" && sqlitePath === undefined) {
    dir = mkdtempSync(join(tmpdir(), "scriba-itest-"));
    sqlitePath = join(dir, "scriba.db");
  }
  const errorLog: string[] = [];
  const logger = createLogger({
    level: "error",
    write: (line) => {
      errorLog.push(line);
    },
  });
  try {
    const store = await openStore(parseStorageSetting(options.store === "memory" ? "memory" : `sqlite:${sqlitePath}`));
    const server = await startScribaServer({
      listen: { host: "127.0.0.1", port: 0 },
      store,
      logger,
      pageTokenKey: options.pageTokenKey,
      maxBodyBytes: options.maxBodyBytes,
    });
    const port = server.address.port;
    return {
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      server,
      sqlitePath,
      errorLog,
      async close() {
        try {
          await server.close();
        } finally {
          if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

let projectCounter = 0;

/** A project ID no other test uses: tests share a server but never a project. */
export function uniqueProject(prefix: string): string {
  projectCounter += 1;
  return `${prefix}-${projectCounter}-${Math.random().toString(36).slice(2, 8)}`;
}
