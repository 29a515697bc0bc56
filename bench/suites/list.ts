/**
 * @module bench/suites/list
 *
 * Issue 2's list figures: `ListOccurrences` filtered by resource
 * (`filter=resourceUri="https://…@sha256:…"`, first page, page sizes 20 and
 * 100) at each store size (100k and 1M by default), one request at a time so
 * the latency is the service time a client sees (REST, keep-alive).
 *
 * The store grows in place: 100 occurrences per image, each new batch's rows
 * spread at random over that size's new images, so an image's occurrences
 * are scattered across the table (the pessimistic layout: a scanner that
 * posts one image's findings together leaves them adjacent). Seeding goes
 * through the service's own row derivation (see lib/sqlite-seed) and its
 * time is reported.
 *
 * Baseline, in the same run: the same SQL the store runs for that request,
 * by raw better-sqlite3 on the same file, on the server CPU.
 * Target: p99 ≤ 5 ms at 1M occurrences.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { alternate, makeFigure, type FigureDefinition } from "../lib/figures.js";
import {
  checkListed,
  growthPlan,
  listPageSizes as pageSizes,
  listRequest,
  occurrencesPerImage,
  sampleResources,
  sizeLabel as label,
} from "../lib/list-workload.js";
import type { HttpLoadSpec } from "../lib/load-spec.js";
import { measureServer } from "../lib/load-runner.js";
import { expectHttpOk } from "../lib/probe.js";
import { startScribaServe } from "../lib/servers.js";
import { createSeededStoreFile, seedOccurrenceRows } from "../lib/sqlite-seed.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { measureTask } from "../lib/task-loop.js";
import { benchProject } from "../lib/workload.js";

const targetSize = 1_000_000;

async function measureSize(context: SuiteContext, dbPath: string, size: number): Promise<void> {
  const images = Math.ceil(size / occurrencesPerImage);
  const profileName = `list.${label(size).toLowerCase()}`;
  const ours = await startScribaServe({
    name: "scriba",
    storage: `sqlite:${dbPath}`,
    cpus: context.cpus.serverCpus,
    nodeArgs: context.profileArgs(profileName),
  });
  try {
    const uris = sampleResources(images, size);
    for (const pageSize of pageSizes) {
      const requests = uris.map((uri) => listRequest(uri, pageSize));
      checkListed(await expectHttpOk("scriba", ours.url, requests[0]!), uris[0]!);
      const definition: FigureDefinition = {
        id: `list.${label(size).toLowerCase()}.page${pageSize}`,
        suite: "list",
        issue: 2,
        title: `ListOccurrences by resource, ${label(size)} stored, pageSize ${pageSize}`,
        unit: "req/s",
        metric: "latency",
        oursLabel: "scriba serve (REST, SQLite)",
        baselineLabel: "raw better-sqlite3 query",
        target: size >= targetSize ? { kind: "max-p99-ms", value: 5 } : undefined,
        setup: `first page of resourceUri="…" over ${uris.length} random images of ${images} (about ${occurrencesPerImage} occurrences each), one request at a time`,
      };
      context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
      const spec: HttpLoadSpec = { protocol: "http", url: ours.url, connections: 1, requests, order: "cycle", ...context.timing };
      const rounds = await alternate(
        context.options.rounds,
        () =>
          measureTask(
            { task: "sqlite-list", params: { path: dbPath, project: benchProject, resourceUris: uris, pageSize }, ...context.timing },
            context.cpus.serverCpus,
            context.workDir,
          ),
        () => measureServer(ours.pid, spec, context.load),
        context.log,
      );
      context.figure(makeFigure(definition, rounds));
    }
  } finally {
    await ours.stop();
  }
  context.reportProfile(profileName);
}

export const listSuite: Suite = {
  name: "list",
  issue: 2,
  summary: "ListOccurrences filtered by resource at each store size",
  async run(context) {
    const dbPath = join(context.workDir, "list.sqlite");
    await createSeededStoreFile(dbPath);
    let stored = 0;
    for (const size of context.options.sizes) {
      const started = performance.now();
      const from = stored;
      await seedOccurrenceRows(
        dbPath,
        growthPlan(stored, size, (done) => {
          if (done % 100_000 === 0) context.log(`  seeding: ${from + done} of ${size}`);
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const megabytes = Math.round(statSync(dbPath).size / 2 ** 20);
      context.fact(`seeded occurrences ${stored}…${size} in ${seconds.toFixed(0)} s (file now ${megabytes} MiB)`, seconds);
      stored = size;
      await measureSize(context, dbPath, size);
    }
  },
};
