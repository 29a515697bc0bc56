/**
 * @module store/sqlite/testing/store-child
 *
 * A SQLite store in a process of its own, for tests of what outlives or ends a
 * process (a kill after an acknowledged write, a process that must exit on its
 * own). The script runs as an ES module with `openSqliteStore`, `store` (open
 * on `path`) and the test fixtures' `attestationNote` in scope.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

export function spawnStoreChild(path: string, script: string): ChildProcessByStdio<null, Readable, null> {
  const storeModule = new URL("../sqlite-store.ts", import.meta.url).href;
  const fixturesModule = new URL("../../test-fixtures.ts", import.meta.url).href;
  const module = `
    const { openSqliteStore } = await import(${JSON.stringify(storeModule)});
    const { attestationNote } = await import(${JSON.stringify(fixturesModule)});
    const store = openSqliteStore({ path: ${JSON.stringify(path)} });
    ${script}
  `;
  return spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", module], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}
