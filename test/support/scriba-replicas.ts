/**
 * @module test/support/scriba-replicas
 *
 * A fleet of real `scriba serve` processes on one PostgreSQL database, the way
 * a deployment runs them: each replica is its own process with its own
 * connection pool, they share nothing but the database and the page-token key,
 * and each is reached through the official Grafeas client (gRPC and REST) and
 * plain HTTP on its own port. Replicas start together, so their start-up
 * migrations race for the schema lock as they would in a rollout.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe } from "node:test";
import {
  describeWithPostgres,
  type ScratchDatabase,
  type TestPostgres,
} from "../../src/store/postgres/__fixtures__/test-database.js";
import { grafeasClients, type GrafeasClients } from "./grafeas-clients.js";
import { ScribaServeProcess } from "./scriba-process.js";

export interface Replica {
  /** `A`, `B`, `C`… in start order, for messages. */
  readonly label: string;
  readonly process: ScribaServeProcess;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  /** The official client over gRPC and over REST, both pointed at this replica. */
  readonly clients: GrafeasClients;
}

export interface ReplicaOptions {
  /** `postgres://…` with the database every replica shares. */
  readonly storage: string;
  /** The key every replica seals page tokens with (see `newPageTokenKey`). */
  readonly pageTokenKey: string;
  /** Further `scriba serve` flags, e.g. PostgreSQL timeouts. */
  readonly extraArgs?: readonly string[];
  /** The label of the first replica started; later ones follow alphabetically. */
  readonly firstLabel?: string;
}

/** A fresh 32-byte page-token key, base64, as `openssl rand -base64 32` makes one. */
export function newPageTokenKey(): string {
  return randomBytes(32).toString("base64");
}

function labelAt(first: string, index: number): string {
  return String.fromCharCode(first.charCodeAt(0) + index);
}

/**
 * Starts `count` replicas at once and waits (bounded) until each serves. If
 * any fails to start, the others are stopped and the error is rethrown.
 */
export async function startReplicas(count: number, options: ReplicaOptions): Promise<Replica[]> {
  const args = [
    "--listen",
    "127.0.0.1:0",
    "--storage",
    options.storage,
    "--page-token-key",
    options.pageTokenKey,
    "--log-level",
    "warn",
    ...(options.extraArgs ?? []),
  ];
  const started = await Promise.allSettled(Array.from({ length: count }, () => ScribaServeProcess.start(args)));
  const processes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure !== undefined) {
    await Promise.all(processes.map((p) => p.kill()));
    throw failure.reason;
  }
  return processes.map((process, i) => ({
    label: labelAt(options.firstLabel ?? "A", i),
    process,
    port: process.port,
    baseUrl: process.baseUrl,
    clients: grafeasClients(process.port),
  }));
}

/** Closes the clients and stops every replica (SIGTERM, bounded; killed if it lingers). Safe on an empty list. */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      await replica.clients.close().catch(() => undefined);
      await replica.process.stop().catch(() => replica.process.kill());
    }),
  );
}

/** What `describeWithReplicas` hands its tests once its `before` hook has run. */
export interface ReplicaFleet {
  readonly database: ScratchDatabase;
  readonly pageTokenKey: string;
  readonly replicas: readonly Replica[];
  /** The replica at `index`, failing clearly when the fleet has fewer. */
  at(index: number): Replica;
}

/**
 * A suite that needs `count` replicas on one fresh scratch database, sharing
 * a fresh page-token key (skipped with a notice, or failed when PostgreSQL is
 * required, as `describeWithPostgres` does). The replicas are stopped and the
 * database dropped when the suite ends. Tests read the fleet when they run
 * (it exists once the `before` hook has run).
 *
 * The tests sit in an inner suite so that its `after` hook (stop the
 * replicas, drop their database) runs before the outer one closes the
 * connection to the test server.
 */
export function describeWithReplicas(
  name: string,
  options: { readonly count: number; readonly extraArgs?: readonly string[] },
  body: (fleet: ReplicaFleet, postgres: TestPostgres) => void,
): void {
  describeWithPostgres(name, (postgres) => {
    describe(`${options.count} scriba serve processes on one scratch database`, () => {
      let database: ScratchDatabase | undefined;
      let replicas: Replica[] = [];
      const pageTokenKey = newPageTokenKey();
      before(async () => {
        database = await postgres.scratchDatabase();
        replicas = await startReplicas(options.count, { storage: database.url, pageTokenKey, extraArgs: options.extraArgs ?? [] });
      });
      after(async () => {
        await stopReplicas(replicas);
        await database?.drop();
      });
      body(
        {
          get database() {
            assert.ok(database !== undefined, "the scratch database is created in the suite's before hook");
            return database;
          },
          pageTokenKey,
          get replicas() {
            return replicas;
          },
          at(index) {
            const replica = replicas[index];
            assert.ok(replica !== undefined, `the fleet has no replica ${index}`);
            return replica;
          },
        },
        postgres,
      );
    });
  });
}
