/**
 * The database going away under traffic, for real: a private PostgreSQL server
 * is crashed (`pg_ctl stop -m immediate`) and started again, or frozen
 * (SIGSTOP) and thawed, while the store is in use. Requests must fail with
 * UNAVAILABLE within the configured timeouts (never hang, never crash the
 * process), the same store must serve again once the server is back, and
 * every write it acknowledged must still be there.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { test } from "node:test";
import { ScribaError } from "../../errors.js";
import { attestationNote, noteRow } from "../test-fixtures.js";
import { openPostgresStore, type PostgresStore } from "./postgres-store.js";
import { describeWithPrivateCluster } from "./__fixtures__/private-cluster.js";
import type { PostgresStoreOptions } from "./connection-options.js";

const connectionTimeoutMs = 2000;
const statementTimeoutMs = 2000;
/**
 * The longest a failing call may take: waiting for a pooled connection or a
 * new one, then the client-side read timeout (statement + connection timeout),
 * plus slack for a loaded machine. A hang would exceed it by far.
 */
const failureBoundMs = connectionTimeoutMs + (statementTimeoutMs + connectionTimeoutMs) + 3000;

const timing = { connectionTimeoutMs, statementTimeoutMs, pingTimeoutMs: 2000, poolSize: 4 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, polling; fails after `limitMs` (a bound, not a measurement). */
async function eventually(what: string, condition: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await sleep(50);
  }
}

/** Runs `call`, returning its error (or undefined) and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await call();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

function assertUnavailable(error: unknown, context: string): void {
  assert.ok(error instanceof ScribaError, `${context}: expected a ScribaError, got ${String(error)}`);
  assert.equal(error.code, "UNAVAILABLE", `${context}: expected UNAVAILABLE, got ${error.code}: ${error.message}`);
}

/** The counter note's value, kept in its short description. */
const counterOf = (json: string) => Number((JSON.parse(json) as { shortDescription?: string }).shortDescription ?? "0");

/**
 * Writers and readers that keep the store busy and record what happened:
 * single creates, batch creates and read-modify-write updates (transactions),
 * and lists.
 */
class Traffic {
  readonly acknowledged: string[] = [];
  acknowledgedIncrements = 0;
  readonly failures: { error: unknown; ms: number }[] = [];
  #next = 0;
  #running = true;
  readonly #workers: Promise<void>[];

  constructor(
    private readonly store: PostgresStore,
    workers: number,
  ) {
    this.#workers = Array.from({ length: workers }, () => this.#work());
  }

  async #step(call: () => Promise<unknown>, acknowledge: () => void): Promise<boolean> {
    const outcome = await timed(call);
    if (outcome.error === undefined) acknowledge();
    else this.failures.push(outcome);
    return outcome.error === undefined;
  }

  async #work(): Promise<void> {
    while (this.#running) {
      const id = `n${this.#next++}`;
      const batch = [`${id}a`, `${id}b`, `${id}c`];
      const ok = await Promise.all([
        this.#step(() => this.store.createNote(attestationNote("traffic", id)), () => this.acknowledged.push(id)),
        this.#step(
          () => this.store.batchCreateNotes("traffic", batch.map((b) => attestationNote("traffic", b))),
          () => this.acknowledged.push(...batch),
        ),
        this.#step(
          () =>
            this.store.updateNote("traffic", "counter", (current) =>
              noteRow("traffic", "counter", { shortDescription: String(counterOf(current.json) + 1) }),
            ),
          () => this.acknowledgedIncrements++,
        ),
        this.#step(() => this.store.listNotes("traffic", { pageSize: 5 }), () => undefined),
      ]);
      // Failing calls return at once while the server is down; do not spin.
      if (ok.includes(false)) await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }
}

/** Every note of the project, walking all pages. */
async function allNoteIds(store: PostgresStore): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await store.listNotes("traffic", { pageSize: 1000, cursor });
    for (const record of page.records) ids.add(record.name.slice("projects/traffic/notes/".length));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ids;
}

describeWithPrivateCluster("PostgreSQL crashed and restarted under traffic", {}, (cluster) => {
  test("calls fail fast with UNAVAILABLE while it is down, the store recovers on its own, and no acknowledged write is lost", async () => {
    const store = await openPostgresStore({ url: cluster.url, schema: "crash_test", ...timing });
    try {
      await store.createNote(noteRow("traffic", "counter", { shortDescription: "0" }));
      const traffic = new Traffic(store, 4);
      try {
        await eventually("writes before the crash", () => traffic.acknowledged.length >= 40);
        await cluster.crash();
        const acknowledgedBeforeCrash = [...traffic.acknowledged];
        const failuresBefore = traffic.failures.length;
        await eventually("calls failing while the server is down", () => traffic.failures.length >= failuresBefore + 20);
        const down = await timed(() => store.ping());
        assertUnavailable(down.error, "ping while the server is down");

        await cluster.start();
        const acknowledgedAtRestart = traffic.acknowledged.length;
        await eventually("writes after the restart", () => traffic.acknowledged.length >= acknowledgedAtRestart + 40);
        await store.ping();

        await traffic.stop();
        for (const failure of traffic.failures) {
          assertUnavailable(failure.error, "a call while the server was down");
          assert.ok(failure.ms < failureBoundMs, `a failing call took ${Math.round(failure.ms)} ms (bound ${failureBoundMs} ms)`);
        }
        const stored = await allNoteIds(store);
        const lost = traffic.acknowledged.filter((id) => !stored.has(id));
        assert.deepEqual(lost, [], "acknowledged writes missing after the crash");
        assert.ok(acknowledgedBeforeCrash.every((id) => stored.has(id)));
        // An update whose answer was lost may still have committed, so the counter may be higher, never lower.
        const counter = counterOf((await store.getNote("traffic", "counter")).json);
        assert.ok(counter >= traffic.acknowledgedIncrements, `counter ${counter} < ${traffic.acknowledgedIncrements} acknowledged increments`);
      } finally {
        await traffic.stop();
      }
    } finally {
      if (!cluster.running) await cluster.start();
      await store.close();
    }
  });

  test("a server that stops answering makes calls fail with UNAVAILABLE instead of hanging, and the store serves again when it answers", async () => {
    const store = await openPostgresStore({ url: cluster.url, schema: "freeze_test", ...timing });
    try {
      await store.createNote(attestationNote("frozen", "before"));
      cluster.pause();
      try {
        const read = await timed(() => store.getNote("frozen", "before"));
        assertUnavailable(read.error, "a read from a frozen server");
        assert.ok(read.ms < failureBoundMs, `the read took ${Math.round(read.ms)} ms (bound ${failureBoundMs} ms)`);
        const ping = await timed(() => store.ping());
        assertUnavailable(ping.error, "ping of a frozen server");
      } finally {
        cluster.resume();
      }
      await eventually("the store answering again", async () => {
        const read = await timed(() => store.getNote("frozen", "before"));
        if (read.error !== undefined) assertUnavailable(read.error, "a read while the server thaws");
        return read.error === undefined;
      });
      await store.createNote(attestationNote("frozen", "after"));
    } finally {
      await store.close();
    }
  });

  test("a store cannot be opened while the server is down, and says so with UNAVAILABLE quickly", async () => {
    await cluster.stop();
    try {
      const opening = await timed(() => openPostgresStore({ url: cluster.url, schema: "down_test", ...timing }));
      assertUnavailable(opening.error, "opening a store on a stopped server");
      assert.ok(opening.ms < failureBoundMs);
      assert.match((opening.error as Error).message, new RegExp(`127\\.0\\.0\\.1:${cluster.port}`));
    } finally {
      await cluster.start();
    }
  });
});

/** A TCP listener that accepts connections and never says a word: a hung server. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test("connecting to a server that accepts but never answers fails with UNAVAILABLE within the connection timeout", async () => {
  const silent = await silentServer();
  try {
    const options: PostgresStoreOptions = { url: `postgres://scriba@127.0.0.1:${silent.port}/scriba`, ...timing };
    const opening = await timed(() => openPostgresStore(options));
    assertUnavailable(opening.error, "opening against a silent server");
    assert.ok(opening.ms < failureBoundMs, `opening took ${Math.round(opening.ms)} ms`);
  } finally {
    await silent.close();
  }
});
