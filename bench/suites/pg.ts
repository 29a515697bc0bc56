/**
 * @module bench/suites/pg
 *
 * Issue 3's figures, against `scriba serve --storage postgres://…` on a
 * scratch database made for the run (`scriba_bench_<start>` on `--pg-url`,
 * dropped at the end), each store in its own schema created by the store's
 * own migrations:
 *
 * - `pg.ingest`: BatchCreateOccurrences over gRPC, 1000 occurrences per call,
 *   2 calls in flight (the ingest suite's load), beside raw `pg` multi-row
 *   INSERTs of the rows the service derives for those occurrences, 1000 per
 *   transaction, 2 in flight, into the same schema.
 * - `pg.list.<size>.page20|100`: ListOccurrences filtered by resource (the
 *   list suite's requests and layout), one request at a time, beside the exact
 *   query the store runs (its own list-sql) with raw `pg`. Seeded through
 *   the service's own row derivation (lib/pg-seed). Target: p99 ≤ 10 ms at 1M.
 * - `pg.get`: GetOccurrence over REST on one replica beside raw `pg` point
 *   selects (the store's statement, same concurrency), and `pg.get.2-replicas`:
 *   two `scriba serve` processes on the same database with the load split
 *   across both, beside one. Target: two replicas ≥ 1.6× one.
 *
 * PostgreSQL itself is a server this harness does not start or pin: its
 * backends run wherever the scheduler puts them, on the cores the server and
 * the load generator are pinned to when the machine has no other. CPU per
 * operation counts the Node processes only.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { BatchCreateOccurrencesResponseSchema } from "../../src/gen/grafeas/v1/grafeas_pb.js";
import { alternate, makeFigure, type FigureDefinition } from "../lib/figures.js";
import { measureListFigures } from "../lib/list-figures.js";
import { growthPlan, sizeLabel } from "../lib/list-workload.js";
import type { HttpLoadSpec } from "../lib/load-spec.js";
import { measureServer, type LoadRunContext } from "../lib/load-runner.js";
import { createScratchDatabase, scratchDatabaseName, serverVersion } from "../lib/pg-database.js";
import { createSeededPgSchema, samplePgOccurrences, seedPgOccurrenceRows } from "../lib/pg-seed.js";
import type { CpuPlan } from "../lib/pinning.js";
import { replicaPlacementNote, secondReplicaCpus } from "../lib/replica-placement.js";
import { expectGrpcOk, expectHttpOk } from "../lib/probe.js";
import { startScribaServe, type RunningScriba } from "../lib/servers.js";
import { occurrenceRowsOf } from "../lib/sqlite-seed.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { measureTask } from "../lib/task-loop.js";
import { batchSize, benchProject } from "../lib/workload.js";
import { batchCreatePath, grpcIngestSpec, ingestBatch } from "./ingest.js";

const listTargetSize = 1_000_000;
const getConnections = 32;
const getRecords = 10_000;
/** `scriba serve`'s default pool, which the raw read baseline gets too. */
const poolSize = 10;

function startOnPostgres(context: SuiteContext, url: string, schema: string, name: string, cpus: string | undefined, profile?: string): Promise<RunningScriba> {
  return startScribaServe({
    name,
    storage: url,
    extraArgs: ["--postgres-schema", schema],
    cpus,
    nodeArgs: profile === undefined ? [] : context.profileArgs(profile),
  });
}

async function ingestFigure(context: SuiteContext, url: string): Promise<void> {
  const { occurrences, grpcRequest } = ingestBatch();
  const rows = await occurrenceRowsOf(occurrences);
  await createSeededPgSchema(url, "ingest_raw");
  await createSeededPgSchema(url, "ingest_scriba");
  const ours = await startOnPostgres(context, url, "ingest_scriba", "scriba (PostgreSQL)", context.cpus.serverCpus, "pg.ingest");
  try {
    const reply = fromBinary(BatchCreateOccurrencesResponseSchema, await expectGrpcOk("scriba", ours.url, batchCreatePath, grpcRequest));
    if (reply.occurrences.length !== batchSize) throw new Error(`BatchCreateOccurrences created ${reply.occurrences.length} occurrences`);
    const definition: FigureDefinition = {
      id: "pg.ingest",
      suite: "pg",
      issue: 3,
      title: "BatchCreateOccurrences ingest over gRPC into PostgreSQL",
      unit: "rows/s",
      metric: "throughput",
      oursLabel: "scriba serve (gRPC, PostgreSQL)",
      baselineLabel: "raw pg multi-row INSERTs",
      setup: `gRPC calls of ${batchSize} occurrences, 2 in flight; raw: the same rows, ${batchSize} per INSERT and transaction, 2 in flight, same schema (store migrations), synchronous_commit on`,
    };
    context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
    const rounds = await alternate(
      context.options.rounds,
      () => measureTask({ task: "pg-insert", params: { url, schema: "ingest_raw", rows, inFlight: 2 }, ...context.timing }, context.cpus.serverCpus, context.workDir),
      () => measureServer(ours.pid, grpcIngestSpec(ours.url, grpcRequest, context.timing), context.load, batchSize),
      context.log,
    );
    context.figure(makeFigure(definition, rounds, [postgresPlacement(context.cpus)]));
  } finally {
    await ours.stop();
  }
  context.reportProfile("pg.ingest");
}

async function listFigures(context: SuiteContext, url: string, size: number): Promise<void> {
  const profileName = `pg.list.${sizeLabel(size).toLowerCase()}`;
  const ours = await startOnPostgres(context, url, "list", "scriba (PostgreSQL)", context.cpus.serverCpus, profileName);
  try {
    await measureListFigures(context, ours, size, {
      idPrefix: "pg.list",
      suite: "pg",
      issue: 3,
      titleSuffix: " on PostgreSQL",
      oursLabel: "scriba serve (REST, PostgreSQL)",
      baselineLabel: "raw pg query",
      targetP99Ms: 10,
      targetSize: listTargetSize,
      baselineTask: (resourceUris, pageSize) => ({
        task: "pg-list",
        params: { url, schema: "list", project: benchProject, resourceUris, pageSize },
      }),
      notes: [postgresPlacement(context.cpus)],
    });
  } finally {
    await ours.stop();
  }
  context.reportProfile(profileName);
}

function postgresPlacement(cpus: CpuPlan): string {
  return `PostgreSQL is not pinned: its backends share the ${cpus.allowedCpus.length || "?"} CPUs with the measured process and the load generator; CPU per op counts the Node process only`;
}

async function getFigures(context: SuiteContext, url: string): Promise<void> {
  const records = await samplePgOccurrences(url, "list", getRecords);
  const requests = records.map((r) => ({ method: "GET", path: `/v1/${r.name}` }));
  const ids = records.map((r) => r.name.slice(r.name.lastIndexOf("/") + 1));
  // The replica load goes to two URLs, which only the Node generator does: both sides use it.
  const load: LoadRunContext = { ...context.load, tool: "node" };
  const spec = (urls: readonly string[]): HttpLoadSpec => ({
    protocol: "http",
    url: urls[0]!,
    extraUrls: urls.slice(1),
    connections: getConnections,
    requests,
    order: "random",
    ...context.timing,
  });
  const secondCpus = secondReplicaCpus(context.cpus);
  const first = await startOnPostgres(context, url, "list", "scriba replica 1", context.cpus.serverCpus, "pg.get");
  let second: RunningScriba | undefined;
  try {
    second = await startOnPostgres(context, url, "list", "scriba replica 2", secondCpus);
    for (const replica of [first, second]) {
      const body = await expectHttpOk(replica.name, replica.url, requests[0]!);
      if (body !== records[0]!.json) throw new Error(`${replica.name} answers another body than the stored JSON`);
    }
    const common = `GET of random IDs among ${records.length} of the occurrences stored, ${getConnections} keep-alive connections`;
    const single: FigureDefinition = {
      id: "pg.get",
      suite: "pg",
      issue: 3,
      title: "REST GetOccurrence on PostgreSQL, 1 replica",
      unit: "req/s",
      metric: "throughput",
      oursLabel: "scriba serve (REST, PostgreSQL)",
      baselineLabel: "raw pg point selects",
      setup: `${common}; raw: the store's prepared point select, in waves of ${getConnections} over a pool of ${poolSize} (its latency is a wave's)`,
    };
    context.log(`  ${single.id}: ${single.title} (${single.setup})`);
    const singleRounds = await alternate(
      context.options.rounds,
      () =>
        measureTask(
          { task: "pg-get", params: { url, schema: "list", project: benchProject, occurrenceIds: ids, inFlight: getConnections, poolSize }, ...context.timing },
          context.cpus.serverCpus,
          context.workDir,
        ),
      () => measureServer(first.pid, spec([first.url]), load),
      context.log,
    );
    context.figure(makeFigure(single, singleRounds, [postgresPlacement(context.cpus)]));

    const replicas: FigureDefinition = {
      id: "pg.get.2-replicas",
      suite: "pg",
      issue: 3,
      title: "REST GetOccurrence on PostgreSQL, 2 replicas",
      unit: "req/s",
      metric: "throughput",
      oursLabel: "2 × scriba serve (same database)",
      baselineLabel: "1 × scriba serve",
      target: { kind: "min-ratio", value: 1.6 },
      setup: `${common}, split evenly across the replicas`,
      cpuJudged: false,
    };
    context.log(`  ${replicas.id}: ${replicas.title} (${replicas.setup})`);
    const both = second;
    const replicaRounds = await alternate(
      context.options.rounds,
      () => measureServer(first.pid, spec([first.url]), load),
      () => measureServer([first.pid, both.pid], spec([first.url, both.url]), load),
      context.log,
    );
    context.figure(makeFigure(replicas, replicaRounds, [replicaPlacementNote(context.cpus, context.cpus.serverCpus, secondCpus)]));
  } finally {
    await second?.stop();
    await first.stop();
  }
  context.reportProfile("pg.get");
}

export const pgSuite: Suite = {
  name: "pg",
  issue: 3,
  summary: "PostgreSQL ingest, list and 1-vs-2-replica reads beside raw pg",
  async run(context) {
    const version = await serverVersion(context.options.pgUrl);
    const database = await createScratchDatabase(context.options.pgUrl, scratchDatabaseName(new Date()));
    context.fact(`${version}; scratch database ${database.name}`);
    try {
      await ingestFigure(context, database.url);
      await createSeededPgSchema(database.url, "list");
      let stored = 0;
      for (const size of context.options.sizes) {
        const started = performance.now();
        const from = stored;
        await seedPgOccurrenceRows(
          database.url,
          "list",
          growthPlan(stored, size, (done) => {
            if (done % 100_000 === 0) context.log(`  seeding: ${from + done} of ${size}`);
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        context.fact(`seeded PostgreSQL occurrences ${stored}…${size} in ${seconds.toFixed(0)} s`, seconds);
        stored = size;
        await listFigures(context, database.url, size);
      }
      await getFigures(context, database.url);
    } finally {
      if (context.options.keepData) context.log(`  kept database ${database.name}`);
      else await database.drop();
    }
  },
};
