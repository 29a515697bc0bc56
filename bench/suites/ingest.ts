/**
 * @module bench/suites/ingest
 *
 * Issue 2's ingest figure: occurrences stored per second through
 * `BatchCreateOccurrences` with 1000 occurrences per call (the API's maximum;
 * the mix of vulnerability and attestation occurrences the other suites
 * store), two calls in flight, against `scriba serve` on a fresh SQLite file:
 * over gRPC (what bulk clients use) and, at the default durability, over
 * REST too — the two differ in what the reply costs (gRPC re-encodes the
 * created occurrences; REST writes their stored JSON as is).
 *
 * And one more figure on the FULL server, `ingest.reads`: REST GetOccurrence
 * of the occurrences just created while that gRPC ingest keeps running, beside
 * the same GETs on the same server with no ingest. No target: it shows that
 * reads keep flowing during a bulk ingest (the SQLite store commits on its
 * writer thread, not on the event loop that answers the reads).
 *
 * Baseline, in the same run: raw better-sqlite3 inserts of the rows the
 * service derives for those same occurrences, in transactions of 1000, into
 * the same schema with the same pragmas (WAL, foreign keys, the same
 * `synchronous`), in a loop on the server CPU. Both at synchronous=FULL (the
 * server's default: a batch is acknowledged once fsynced) and NORMAL.
 * Target: ≥ 50% of the raw insert rate.
 */
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import {
  BatchCreateOccurrencesRequestSchema,
  BatchCreateOccurrencesResponseSchema,
  type Occurrence,
} from "../../src/gen/grafeas/v1/grafeas_pb.js";
import { alternate, makeFigure, type FigureDefinition } from "../lib/figures.js";
import { grafeasRegistry } from "../../src/grafeas/proto-json.js";
import type { HttpRequestTemplate, LoadSpec, LoadTiming } from "../lib/load-spec.js";
import { measureServer } from "../lib/load-runner.js";
import { expectGrpcOk, expectHttpOk } from "../lib/probe.js";
import { startScribaServe, type RunningScriba } from "../lib/servers.js";
import { createSeededStoreFile, occurrenceRowsOf } from "../lib/sqlite-seed.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { measureTask } from "../lib/task-loop.js";
import { batchSize, benchProject, imageUri, occurrenceOf } from "../lib/workload.js";

export const batchCreatePath = "/grafeas.v1.Grafeas/BatchCreateOccurrences";

type Wire = "grpc" | "rest";

/**
 * One BatchCreateOccurrences call of {@link batchSize} occurrences on ten
 * images (100 each: what a scanner posts after scanning ten images), as a
 * gRPC message and as the REST request.
 */
export function ingestBatch(): { occurrences: Occurrence[]; grpcRequest: Uint8Array; restRequest: HttpRequestTemplate } {
  const occurrences = Array.from({ length: batchSize }, (_, n) => occurrenceOf(imageUri(Math.floor(n / 100)), n));
  const message = create(BatchCreateOccurrencesRequestSchema, { parent: `projects/${benchProject}`, occurrences });
  return {
    occurrences,
    grpcRequest: toBinary(BatchCreateOccurrencesRequestSchema, message),
    restRequest: {
      method: "POST",
      path: `/v1/projects/${benchProject}/occurrences:batchCreate`,
      headers: { "content-type": "application/json" },
      body: toJsonString(BatchCreateOccurrencesRequestSchema, message, { registry: grafeasRegistry }),
    },
  };
}

/** The ingest load over gRPC: that one call, 2 in flight on one HTTP/2 connection. */
export function grpcIngestSpec(url: string, grpcRequest: Uint8Array, timing: LoadTiming): LoadSpec {
  return {
    protocol: "grpc",
    url,
    connections: 1,
    streamsPerConnection: 2,
    path: batchCreatePath,
    messages: [Buffer.from(grpcRequest).toString("base64")],
    order: "cycle",
    ...timing,
  };
}

/** gRPC for both durability settings (what bulk clients use), and REST at the default FULL. */
const variants: readonly { readonly synchronous: "FULL" | "NORMAL"; readonly wires: readonly Wire[] }[] = [
  { synchronous: "FULL", wires: ["grpc", "rest"] },
  { synchronous: "NORMAL", wires: ["grpc"] },
];

/** Connections of the GETs of `ingest.reads`. */
const readConnections = 8;

/**
 * `ingest.reads`: GETs of `names` alone, then the same GETs while the gRPC
 * ingest runs beside them (started first, ending after the GETs' window).
 */
async function readsBesideIngest(context: SuiteContext, ours: RunningScriba, grpcRequest: Uint8Array, names: readonly string[]): Promise<void> {
  const requests: HttpRequestTemplate[] = names.map((name) => ({ method: "GET", path: `/v1/${name}` }));
  const reads: LoadSpec = { protocol: "http", url: ours.url, connections: readConnections, requests, order: "random", ...context.timing };
  const { warmupSeconds, durationSeconds } = context.timing;
  const ingestLead = 1;
  const ingestTiming = { warmupSeconds: 0, durationSeconds: ingestLead + warmupSeconds + durationSeconds + 2 };
  const definition: FigureDefinition = {
    id: "ingest.reads",
    suite: "ingest",
    issue: 2,
    title: "REST GetOccurrence during BatchCreateOccurrences ingest, synchronous=FULL",
    unit: "req/s",
    metric: "latency",
    oursLabel: "GETs while the gRPC ingest runs",
    baselineLabel: "the same GETs, no ingest",
    setup: `GET of random IDs among ${names.length} occurrences, ${readConnections} keep-alive connections, on the ingest.full server; beside them the ingest of ingest.full (${batchSize} occurrences per call, 2 in flight)`,
  };
  context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
  const rounds = await alternate(
    context.options.rounds,
    () => measureServer(ours.pid, reads, context.load),
    async () => {
      const ingest = measureServer(ours.pid, grpcIngestSpec(ours.url, grpcRequest, ingestTiming), context.load, batchSize);
      await delay(ingestLead * 1000);
      const measured = await measureServer(ours.pid, reads, context.load);
      const ingested = await ingest;
      if (ingested.operations === 0) throw new Error("the ingest beside the reads stored nothing");
      return measured;
    },
    context.log,
  );
  context.figure(makeFigure(definition, rounds));
}

function figureId(synchronous: "FULL" | "NORMAL", wire: Wire): string {
  return `ingest.${synchronous.toLowerCase()}${wire === "rest" ? "-rest" : ""}`;
}

export const ingestSuite: Suite = {
  name: "ingest",
  issue: 2,
  summary: "BatchCreateOccurrences ingest beside raw better-sqlite3 inserts",
  async run(context) {
    const { occurrences, grpcRequest, restRequest } = ingestBatch();
    const rows = await occurrenceRowsOf(occurrences);
    const meanRowBytes = Math.round(rows.reduce((sum, r) => sum + Buffer.byteLength(r.json), 0) / rows.length);
    const requestSize = (wire: Wire) =>
      Math.round((wire === "grpc" ? grpcRequest.length : Buffer.byteLength(restRequest.body!)) / 1024);

    for (const { synchronous, wires } of variants) {
      const oursPath = join(context.workDir, `ingest-scriba-${synchronous.toLowerCase()}.sqlite`);
      const rawPath = join(context.workDir, `ingest-raw-${synchronous.toLowerCase()}.sqlite`);
      await createSeededStoreFile(oursPath);
      await createSeededStoreFile(rawPath);
      const profileName = figureId(synchronous, "grpc");
      const ours = await startScribaServe({
        name: `scriba (${synchronous})`,
        storage: `sqlite:${oursPath}`,
        sqliteSynchronous: synchronous,
        cpus: context.cpus.serverCpus,
        nodeArgs: context.profileArgs(profileName),
      });
      try {
        const reply = fromBinary(BatchCreateOccurrencesResponseSchema, await expectGrpcOk("scriba", ours.url, batchCreatePath, grpcRequest));
        if (reply.occurrences.length !== batchSize) throw new Error(`BatchCreateOccurrences created ${reply.occurrences.length} occurrences`);
        const restReply = JSON.parse(await expectHttpOk("scriba", ours.url, restRequest)) as { occurrences?: unknown[] };
        if (restReply.occurrences?.length !== batchSize) throw new Error("REST batchCreate did not create the whole batch");
        for (const wire of wires) {
          const definition: FigureDefinition = {
            id: figureId(synchronous, wire),
            suite: "ingest",
            issue: 2,
            title: `BatchCreateOccurrences ingest over ${wire === "grpc" ? "gRPC" : "REST"}, synchronous=${synchronous}`,
            unit: "rows/s",
            metric: "throughput",
            oursLabel: `scriba serve (${wire === "grpc" ? "gRPC" : "REST"}, SQLite ${synchronous})`,
            baselineLabel: "raw better-sqlite3 inserts",
            target: { kind: "min-ratio", value: 0.5 },
            setup: `${wire === "grpc" ? "gRPC calls" : "REST POSTs"} of ${batchSize} occurrences (${requestSize(wire)} KiB; rows of ${meanRowBytes} bytes of JSON), 2 in flight; raw: the same rows, ${batchSize} per transaction, same schema and pragmas`,
          };
          context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
          const spec = (url: string): LoadSpec =>
            wire === "grpc"
              ? grpcIngestSpec(url, grpcRequest, context.timing)
              : { protocol: "http", url, connections: 2, requests: [restRequest], order: "cycle", ...context.timing };
          const rounds = await alternate(
            context.options.rounds,
            () =>
              measureTask(
                { task: "sqlite-insert", params: { path: rawPath, synchronous, rows }, ...context.timing },
                context.cpus.serverCpus,
                context.workDir,
              ),
            () => measureServer(ours.pid, spec(ours.url), context.load, batchSize),
            context.log,
          );
          context.figure(makeFigure(definition, rounds));
        }
        if (synchronous === "FULL") await readsBesideIngest(context, ours, grpcRequest, reply.occurrences.map((o) => o.name));
      } finally {
        await ours.stop();
      }
      context.reportProfile(profileName);
    }
  },
};
