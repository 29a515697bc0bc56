import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ScribaError } from "../../errors.js";
import { rejectsWith } from "../conformance/harness.js";
import { attestationNote } from "../test-fixtures.js";
import { openSqliteStore } from "./sqlite-store.js";
import { spawnStoreChild } from "./testing/store-child.js";
import { WriterThread } from "./writer-thread.js";

const scratch = mkdtempSync(join(tmpdir(), "scriba-writer-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
const freshPath = () => join(scratch, `case-${++counter}`, "scriba.db");

describe("the SQLite writer thread", () => {
  test("writes handed over before close are all committed, and later ones are refused", async () => {
    const path = freshPath();
    const store = openSqliteStore({ path });
    const writes = Array.from({ length: 20 }, (_, n) => store.createNote(attestationNote("p", `n${n}`)));
    const closed = store.close();
    await rejectsWith(store.createNote(attestationNote("p", "late")), "UNAVAILABLE");
    await Promise.all(writes);
    await closed;
    const reopened = openSqliteStore({ path });
    try {
      assert.equal((await reopened.listNotes("p", { pageSize: 100 })).records.length, 20);
    } finally {
      await reopened.close();
    }
  });

  test("writes sent together are answered one by one: a duplicate among them fails alone", async () => {
    const path = freshPath();
    const store = openSqliteStore({ path });
    try {
      const names = Array.from({ length: 40 }, (_, n) => `n${n === 20 ? 3 : n}`);
      const outcomes = await Promise.allSettled(names.map((id) => store.createNote(attestationNote("p", id))));
      assert.deepEqual(
        outcomes.map((o, n) => (o.status === "fulfilled" ? "ok" : `${n}: ${(o.reason as ScribaError).code}`)).filter((o) => o !== "ok"),
        ["20: ALREADY_EXISTS"],
      );
      assert.equal((await store.listNotes("p", { pageSize: 100 })).records.length, 39);
    } finally {
      await store.close();
    }
  });

  test("a writer that cannot open its database fails every write and ping UNAVAILABLE instead of hanging", async () => {
    const notADirectory = join(scratch, "plain-file");
    writeFileSync(notADirectory, "");
    const writer = new WriterThread({ path: join(notADirectory, "scriba.db"), synchronous: "FULL" });
    try {
      const error = await rejectsWith(writer.run("createProject", "p"), "UNAVAILABLE");
      assert.match(error.message, /writer has stopped/);
      await rejectsWith(writer.ping(), "UNAVAILABLE");
      await rejectsWith(writer.run("createProject", "q"), "UNAVAILABLE");
    } finally {
      await writer.close();
    }
  });

  test("an idle writer does not keep the process alive", async () => {
    // The child writes and returns without closing the store: it must still exit on its own.
    const child = spawnStoreChild(
      freshPath(),
      `await store.createNote(attestationNote("p", "n"));
       process.stdout.write("written\\n");`,
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(timer);
    assert.equal(signal, null, "the child had to be killed: the writer kept it alive");
    assert.equal(code, 0);
    assert.equal(output, "written\n");
  });
});
