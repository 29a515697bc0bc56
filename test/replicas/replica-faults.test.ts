/**
 * The database failing under two live `scriba serve` processes, for real: a
 * private PostgreSQL server is crashed (`pg_ctl stop -m immediate`) while
 * traffic runs through both replicas over REST and gRPC, and started again.
 *
 * The outage is staged once; each test then checks one thing that must have
 * held: requests failed fast with UNAVAILABLE (not a hang, not another code),
 * `/readyz` followed the database while `/healthz` did not, the processes
 * stayed up and served again by themselves, and no acknowledged write was
 * lost. A last test starts a replica while the database is down.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { describeWithPrivateCluster } from "../../src/store/postgres/__fixtures__/private-cluster.js";
import { callFailure, type RawCallError } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl } from "../support/grafeas-fixtures.js";
import { http } from "../support/http.js";
import { runScriba } from "../support/scriba-process.js";
import { newPageTokenKey, startReplicas, stopReplicas, type Replica } from "../support/scriba-replicas.js";

const connectionTimeoutMs = 1000;
const statementTimeoutMs = 2000;
/**
 * The longest a failing request may take. With the server crashed, every
 * connection attempt is refused or reset at once, and the pool gives up on a
 * connection after the connection timeout; the slack is for a loaded machine.
 * A hang would exceed it by far (the clients' own limit is 15 s).
 */
const failureBoundMs = connectionTimeoutMs + 2000;
const clientTimeoutMs = 15_000;

const project = "projects/faults";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails after `limitMs` (a bound on the wait, not a measurement). */
async function eventually(what: string, condition: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`gave up after ${limitMs} ms waiting until ${what}`);
    await sleep(50);
  }
}

type Kind = "REST create" | "gRPC create" | "REST list";

/** One request the traffic made, and what came of it. */
interface Attempt {
  readonly replica: string;
  readonly kind: Kind;
  readonly startedAt: number;
  readonly ms: number;
  /** The created object's name, when a create was acknowledged. */
  readonly acknowledged?: string;
  /** For a failure: the canonical code, and the HTTP status or gRPC code it travelled as. */
  readonly failure?: { readonly status: string; readonly wireCode: number; readonly message: string };
}

/**
 * Keeps both replicas busy until stopped: per replica, a REST client creating
 * notes, the official gRPC client creating occurrences, and a REST client
 * listing. Nothing is retried: every request is recorded as it ended.
 */
class Traffic {
  readonly attempts: Attempt[] = [];
  #running = true;
  readonly #workers: Promise<void>[];

  constructor(replicas: readonly Replica[], noteName: string) {
    this.#workers = replicas.flatMap((replica) => [
      this.#loop(replica, "REST create", async (i) => {
        const reply = await http(replica.baseUrl, "POST", `/v1/${project}/notes?noteId=${replica.label}-${i}`, {
          body: attestationNote(),
          contentType: "application/json",
          timeoutMs: clientTimeoutMs,
        });
        if (reply.status === 200) return { acknowledged: reply.json.name as string };
        return { failure: { status: reply.json?.error?.status ?? `HTTP ${reply.status}`, wireCode: reply.status, message: reply.text } };
      }),
      this.#loop(replica, "gRPC create", async (i) => {
        try {
          const [created] = await replica.clients.grpc.createOccurrence(
            { parent: project, occurrence: attestationOccurrence(noteName, imageUrl(`${replica.label}-${i}`)) },
            { timeout: clientTimeoutMs },
          );
          return { acknowledged: created.name! };
        } catch (error) {
          const failure = callFailure("gRPC", error as RawCallError);
          return { failure: { status: failure.status, wireCode: failure.wireCode, message: failure.message } };
        }
      }),
      this.#loop(replica, "REST list", async () => {
        const reply = await http(replica.baseUrl, "GET", `/v1/${project}/notes?pageSize=1`, { timeoutMs: clientTimeoutMs });
        if (reply.status === 200) return {};
        return { failure: { status: reply.json?.error?.status ?? `HTTP ${reply.status}`, wireCode: reply.status, message: reply.text } };
      }),
    ]);
  }

  async #loop(replica: Replica, kind: Kind, request: (i: number) => Promise<Pick<Attempt, "acknowledged" | "failure">>): Promise<void> {
    for (let i = 0; this.#running; i++) {
      const startedAt = performance.now();
      const outcome = await request(i);
      this.attempts.push({ replica: replica.label, kind, startedAt, ms: performance.now() - startedAt, ...outcome });
      // A short pause keeps a fast-failing outage from flooding the log and the machine.
      await sleep(20);
    }
  }

  count(filter: (a: Attempt) => boolean): number {
    return this.attempts.filter(filter).length;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }
}

/** `/readyz` and `/healthz` of a replica. */
async function probes(replica: Replica): Promise<{ ready: number; healthy: number }> {
  const [ready, healthy] = await Promise.all([
    http(replica.baseUrl, "GET", "/readyz", { timeoutMs: 10_000 }),
    http(replica.baseUrl, "GET", "/healthz", { timeoutMs: 10_000 }),
  ]);
  return { ready: ready.status, healthy: healthy.status };
}

describeWithPrivateCluster("replicas while their PostgreSQL server crashes and restarts", {}, (cluster) => {
  describe("two replicas under traffic through a crash and restart", () => {
    let replicas: Replica[] = [];
    let traffic: Traffic | undefined;
    /** performance.now() when the crash began, and when both replicas were ready again. */
    let crashedAt = 0;
    let recoveredAt = 0;
    const probesDuringOutage: { replica: string; ready: number; healthy: number }[] = [];
    const probesAfterRecovery: { replica: string; ready: number; healthy: number }[] = [];

    before(async () => {
      replicas = await startReplicas(2, {
        storage: cluster.url,
        pageTokenKey: newPageTokenKey(),
        extraArgs: [
          "--postgres-pool-size",
          "4",
          "--postgres-connection-timeout-ms",
          String(connectionTimeoutMs),
          "--postgres-statement-timeout-ms",
          String(statementTimeoutMs),
        ],
      });
      const [note] = await replicas[0]!.clients.grpc.createNote({ parent: project, noteId: "base", note: attestationNote() });
      const load = new Traffic(replicas, note.name!);
      traffic = load;
      const acknowledgedBy = (label: string, since: number) => () =>
        load.count((a) => a.replica === label && a.acknowledged !== undefined && a.startedAt >= since) >= 5;

      for (const r of replicas) await eventually(`replica ${r.label} acknowledged writes before the crash`, acknowledgedBy(r.label, 0), 15_000);

      crashedAt = performance.now();
      await cluster.crash();
      for (const r of replicas) {
        await eventually(`replica ${r.label} turned unready`, async () => (await probes(r)).ready === 503, 15_000);
        probesDuringOutage.push({ replica: r.label, ...(await probes(r)) });
        await eventually(
          `traffic through replica ${r.label} saw the outage`,
          () => load.count((a) => a.replica === r.label && a.failure !== undefined && a.startedAt >= crashedAt) >= 6,
          15_000,
        );
      }

      await cluster.start();
      for (const r of replicas) await eventually(`replica ${r.label} is ready again`, async () => (await probes(r)).ready === 200, 30_000);
      recoveredAt = performance.now();
      for (const r of replicas) {
        probesAfterRecovery.push({ replica: r.label, ...(await probes(r)) });
        await eventually(`replica ${r.label} acknowledged writes after the restart`, acknowledgedBy(r.label, recoveredAt), 15_000);
      }
      await load.stop();
    });

    after(async () => {
      await traffic?.stop();
      await stopReplicas(replicas);
      if (!cluster.running) await cluster.start();
    });

    test("every request that failed failed with UNAVAILABLE: HTTP 503 over REST, status 14 over gRPC", () => {
      const failures = traffic!.attempts.filter((a) => a.failure !== undefined);
      assert.ok(failures.length >= 12, `only ${failures.length} requests met the outage`);
      for (const a of failures) {
        const context = `${a.kind} through replica ${a.replica}: ${a.failure!.message}`;
        assert.equal(a.failure!.status, "UNAVAILABLE", context);
        assert.equal(a.failure!.wireCode, a.kind === "gRPC create" ? 14 : 503, context);
        assert.doesNotMatch(a.failure!.message, /\n\s+at \S+ \(/, `${context}: no stack trace reaches clients`);
      }
      for (const kind of ["REST create", "gRPC create", "REST list"] as const) {
        assert.ok(failures.some((a) => a.kind === kind), `no ${kind} request met the outage`);
      }
    });

    test(`no failing request waited longer than the connection timeout plus slack (${failureBoundMs} ms)`, () => {
      const slow = traffic!.attempts.filter((a) => a.failure !== undefined && a.ms > failureBoundMs);
      assert.deepEqual(slow.map((a) => `${a.kind} through ${a.replica}: ${Math.round(a.ms)} ms`), []);
    });

    test("no request failed before the crash or after both replicas were ready again", () => {
      const outside = traffic!.attempts.filter((a) => a.failure !== undefined && (a.startedAt + a.ms < crashedAt || a.startedAt > recoveredAt));
      assert.deepEqual(outside.map((a) => `${a.kind} through ${a.replica}: ${a.failure!.message}`), []);
    });

    test("/readyz answered 503 while the database was down and 200 after, while /healthz answered 200 throughout", () => {
      assert.deepEqual(probesDuringOutage, [
        { replica: "A", ready: 503, healthy: 200 },
        { replica: "B", ready: 503, healthy: 200 },
      ]);
      assert.deepEqual(probesAfterRecovery, [
        { replica: "A", ready: 200, healthy: 200 },
        { replica: "B", ready: 200, healthy: 200 },
      ]);
    });

    test("both processes stayed up and served again on their own, over REST and gRPC", () => {
      for (const r of replicas) {
        assert.ok(r.process.running, `replica ${r.label} exited`);
        for (const kind of ["REST create", "gRPC create"] as const) {
          const after = traffic!.count((a) => a.replica === r.label && a.kind === kind && a.acknowledged !== undefined && a.startedAt >= recoveredAt);
          assert.ok(after > 0, `replica ${r.label} acknowledged no ${kind} after the restart`);
        }
      }
    });

    test("every write acknowledged before or after the outage is stored, and readable through both replicas", async () => {
      const acknowledged = traffic!.attempts.flatMap((a) => (a.acknowledged === undefined ? [] : [a.acknowledged]));
      assert.ok(acknowledged.length >= 20, `only ${acknowledged.length} writes were acknowledged`);
      for (const r of replicas) {
        const [notes] = await r.clients.grpc.listNotes({ parent: project });
        const [occurrences] = await r.clients.grpc.listOccurrences({ parent: project });
        const stored = new Set([...notes, ...occurrences].map((o) => o.name));
        const lost = acknowledged.filter((name) => !stored.has(name));
        assert.deepEqual(lost, [], `acknowledged but missing through replica ${r.label}`);
      }
    });
  });

  describe("a replica started while the database is down", () => {
    after(async () => {
      if (!cluster.running) await cluster.start();
    });

    test("scriba serve exits non-zero without waiting for it, naming the database it could not reach", async () => {
      await cluster.stop();
      const run = await runScriba(
        ["serve", "--listen", "127.0.0.1:0", "--storage", cluster.url, "--postgres-connection-timeout-ms", String(connectionTimeoutMs)],
        { timeoutMs: 15_000 },
      );
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stdout, /serving/);
      assert.match(run.stderr, new RegExp(`cannot open the PostgreSQL store at postgres://postgres@127\\.0\\.0\\.1:${cluster.port}/postgres\\b`));
      assert.match(run.stderr, /the database is unavailable/);
    });
  });
});
