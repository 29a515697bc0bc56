/**
 * @module bench/suites/ingest
 *
 * Issue 2's ingest figure: occurrences stored per second through gRPC
 * `BatchCreateOccurrences` with 1000 occurrences per call (the API's maximum;
 * the mix of vulnerability and attestation occurrences the other suites
 * store), two calls in flight, against `scriba serve` on a fresh SQLite file.
 *
 * Baseline, in the same run: raw better-sqlite3 inserts of the rows the
 * service derives for those same occurrences, in transactions of 1000, into
 * the same schema with the same pragmas (WAL, foreign keys, the same
 * `synchronous`), in a loop on the server CPU. Both at synchronous=FULL (the
 * server's default: a batch is acknowledged once fsynced) and NORMAL.
 * Target: ≥ 50% of the raw insert rate.
 */
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  BatchCreateOccurrencesRequestSchema,
  BatchCreateOccurrencesResponseSchema,
} from "../../src/gen/grafeas/v1/grafeas_pb.js";
import { alternate, makeFigure, type FigureDefinition } from "../lib/figures.js";
import type { GrpcLoadSpec } from "../lib/load-spec.js";
import { measureServer } from "../lib/load-runner.js";
import { expectGrpcOk } from "../lib/probe.js";
import { startScribaServe } from "../lib/servers.js";
import { createSeededStoreFile, occurrenceRowsOf } from "../lib/sqlite-seed.js";
import type { Suite } from "../lib/suite.js";
import { measureTask } from "../lib/task-loop.js";
import { batchSize, benchProject, imageUri, occurrenceOf } from "../lib/workload.js";

const path = "/grafeas.v1.Grafeas/BatchCreateOccurrences";

export const ingestSuite: Suite = {
  name: "ingest",
  issue: 2,
  summary: "BatchCreateOccurrences ingest beside raw better-sqlite3 inserts",
  async run(context) {
    // Ten images with 100 occurrences each: what a scanner posts after scanning ten images.
    const occurrences = Array.from({ length: batchSize }, (_, n) => occurrenceOf(imageUri(Math.floor(n / 100)), n));
    const request = toBinary(
      BatchCreateOccurrencesRequestSchema,
      create(BatchCreateOccurrencesRequestSchema, { parent: `projects/${benchProject}`, occurrences }),
    );
    const rows = await occurrenceRowsOf(occurrences);
    const meanRowBytes = Math.round(rows.reduce((sum, r) => sum + Buffer.byteLength(r.json), 0) / rows.length);

    for (const synchronous of ["FULL", "NORMAL"] as const) {
      const oursPath = join(context.workDir, `ingest-scriba-${synchronous.toLowerCase()}.sqlite`);
      const rawPath = join(context.workDir, `ingest-raw-${synchronous.toLowerCase()}.sqlite`);
      await createSeededStoreFile(oursPath);
      await createSeededStoreFile(rawPath);
      const id = synchronous === "FULL" ? "ingest.full" : "ingest.normal";
      const ours = await startScribaServe({
        name: `scriba (${synchronous})`,
        storage: `sqlite:${oursPath}`,
        sqliteSynchronous: synchronous,
        cpus: context.cpus.serverCpus,
        nodeArgs: context.profileArgs(id),
      });
      try {
        const reply = fromBinary(BatchCreateOccurrencesResponseSchema, await expectGrpcOk("scriba", ours.url, path, request));
        if (reply.occurrences.length !== batchSize) throw new Error(`BatchCreateOccurrences created ${reply.occurrences.length} occurrences`);
        const definition: FigureDefinition = {
          id,
          suite: "ingest",
          issue: 2,
          title: `BatchCreateOccurrences ingest, synchronous=${synchronous}`,
          unit: "rows/s",
          metric: "throughput",
          oursLabel: `scriba serve (gRPC, SQLite ${synchronous})`,
          baselineLabel: "raw better-sqlite3 inserts",
          target: { kind: "min-ratio", value: 0.5 },
          setup: `gRPC calls of ${batchSize} occurrences (${Math.round(request.length / 1024)} KiB; rows of ${meanRowBytes} bytes of JSON), 2 calls in flight; raw: the same rows, ${batchSize} per transaction, same schema and pragmas`,
        };
        context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
        const specFor = (url: string): GrpcLoadSpec => ({
          protocol: "grpc",
          url,
          connections: 1,
          streamsPerConnection: 2,
          path,
          messages: [Buffer.from(request).toString("base64")],
          order: "cycle",
          ...context.timing,
        });
        const rounds = await alternate(
          context.options.rounds,
          () =>
            measureTask(
              { task: "sqlite-insert", params: { path: rawPath, synchronous, rows }, ...context.timing },
              context.cpus.serverCpus,
              context.workDir,
            ),
          () => measureServer(ours.pid, specFor(ours.url), context.load, batchSize),
          context.log,
        );
        context.figure(makeFigure(definition, rounds));
      } finally {
        await ours.stop();
      }
      context.reportProfile(id);
    }
  },
};
