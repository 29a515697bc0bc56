/**
 * @module bench/suites/rest
 *
 * Issue 2's REST figures, against `scriba serve` on a SQLite file holding
 * 10,000 occurrences:
 *
 * - GetOccurrence: `GET /v1/projects/bench/occurrences/{id}` over random IDs,
 *   32 keep-alive connections, beside a bare node:http server answering the
 *   same stored JSON for the same paths from a Map (target ≥ 70%).
 * - CreateOccurrence: `POST /v1/projects/bench/occurrences` with a
 *   vulnerability occurrence (about 800 bytes), 32 connections, beside a bare
 *   node:http server that reads, parses and answers the JSON. Measured with the
 *   server's default `synchronous=FULL` (every create waits for its own fsync)
 *   and with NORMAL, which shows what the server costs apart from the disk.
 */
import { join } from "node:path";
import { toJsonString } from "@bufbuild/protobuf";
import { OccurrenceSchema } from "../../src/gen/grafeas/v1/grafeas_pb.js";
import type { FigureDefinition } from "../lib/figures.js";
import type { HttpLoadSpec, HttpRequestTemplate } from "../lib/load-spec.js";
import { expectHttpOk } from "../lib/probe.js";
import { compareServers } from "../lib/server-figure.js";
import { startBaselineServer, startScribaServe, type RunningServer } from "../lib/servers.js";
import { createSeededStoreFile, seedSmallStore, type StoredRecord } from "../lib/sqlite-seed.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { grafeasRegistry } from "../../src/grafeas/proto-json.js";
import { benchProject, imageUri, occurrenceOf } from "../lib/workload.js";

const connections = 32;

function httpSpec(context: SuiteContext, url: string, requests: readonly HttpRequestTemplate[], order: "cycle" | "random"): HttpLoadSpec {
  return { protocol: "http", url, connections, requests, order, ...context.timing };
}

async function getFigure(context: SuiteContext, ours: RunningServer, records: readonly StoredRecord[]) {
  const requests = records.map((r) => ({ method: "GET", path: `/v1/${r.name}` }));
  const bodies = Object.fromEntries(records.map((r) => [`/v1/${r.name}`, r.json]));
  const bare = await startBaselineServer("bare node:http", { kind: "bare-http", bodies }, context.cpus.serverCpus, context.workDir);
  try {
    const sample = requests[0]!;
    const fromScriba = await expectHttpOk("scriba", ours.url, sample);
    const fromBare = await expectHttpOk("bare node:http", bare.url, sample);
    if (fromScriba !== fromBare) throw new Error("scriba and the bare server answer different bodies for the same occurrence");
    const meanBytes = Math.round(records.reduce((sum, r) => sum + Buffer.byteLength(r.json), 0) / records.length);
    const definition: FigureDefinition = {
      id: "rest.get",
      suite: "rest",
      issue: 2,
      title: "REST GetOccurrence",
      unit: "req/s",
      metric: "throughput",
      oursLabel: "scriba serve (SQLite)",
      baselineLabel: "bare node:http",
      target: { kind: "min-ratio", value: 0.7 },
      setup: `GET of random IDs among ${records.length} stored occurrences (JSON bodies of ${meanBytes} bytes on average), ${connections} keep-alive connections`,
    };
    await compareServers(context, definition, bare, ours, (url) => httpSpec(context, url, requests, "random"));
  } finally {
    await bare.stop();
  }
}

async function createFigures(context: SuiteContext) {
  // 100 different bodies, as sent by a scanner: a vulnerability occurrence without the server-set fields.
  const requests: HttpRequestTemplate[] = Array.from({ length: 100 }, (_, n) => ({
    method: "POST",
    path: `/v1/projects/${benchProject}/occurrences`,
    headers: { "content-type": "application/json" },
    body: toJsonString(OccurrenceSchema, occurrenceOf(imageUri(n), n * 10), { registry: grafeasRegistry }),
  }));
  const meanBytes = Math.round(requests.reduce((sum, r) => sum + Buffer.byteLength(r.body!), 0) / requests.length);
  const bare = await startBaselineServer("bare node:http", { kind: "bare-http", bodies: {} }, context.cpus.serverCpus, context.workDir);
  try {
    await expectHttpOk("bare node:http", bare.url, requests[0]!);
    for (const synchronous of ["FULL", "NORMAL"] as const) {
      const path = join(context.workDir, `rest-create-${synchronous.toLowerCase()}.sqlite`);
      await createSeededStoreFile(path);
      const id = synchronous === "FULL" ? "rest.create" : "rest.create-normal";
      const ours = await startScribaServe({
        name: `scriba (${synchronous})`,
        storage: `sqlite:${path}`,
        sqliteSynchronous: synchronous,
        cpus: context.cpus.serverCpus,
        nodeArgs: context.profileArgs(id),
      });
      try {
        const created = JSON.parse(await expectHttpOk("scriba", ours.url, requests[0]!)) as { name?: string };
        if (!created.name?.startsWith(`projects/${benchProject}/occurrences/`)) throw new Error("CreateOccurrence returned no name");
        const definition: FigureDefinition = {
          id,
          suite: "rest",
          issue: 2,
          title: `REST CreateOccurrence, synchronous=${synchronous}`,
          unit: "req/s",
          metric: "throughput",
          oursLabel: `scriba serve (SQLite, ${synchronous})`,
          baselineLabel: "bare node:http POST",
          setup: `POST of vulnerability occurrences (${meanBytes}-byte JSON bodies), ${connections} keep-alive connections; the bare server parses the JSON and answers it`,
        };
        const notes =
          synchronous === "FULL"
            ? ["each create is its own transaction and waits for its fsync; the disk, not the CPU, sets this rate"]
            : [];
        await compareServers(context, definition, bare, ours, (url) => httpSpec(context, url, requests, "cycle"), { notes });
      } finally {
        await ours.stop();
      }
      context.reportProfile(id);
    }
  } finally {
    await bare.stop();
  }
}

export const restSuite: Suite = {
  name: "rest",
  issue: 2,
  summary: "REST GetOccurrence and CreateOccurrence beside bare node:http",
  async run(context) {
    const path = join(context.workDir, "rest.sqlite");
    const records = await seedSmallStore(path, context.log);
    const ours = await startScribaServe({
      name: "scriba",
      storage: `sqlite:${path}`,
      cpus: context.cpus.serverCpus,
      nodeArgs: context.profileArgs("rest.get"),
    });
    try {
      await getFigure(context, ours, records);
    } finally {
      await ours.stop();
    }
    context.reportProfile("rest.get");
    await createFigures(context);
  },
};
