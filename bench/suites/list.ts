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
import { measureListFigures } from "../lib/list-figures.js";
import { growthPlan, sizeLabel as label } from "../lib/list-workload.js";
import { startScribaServe } from "../lib/servers.js";
import { createSeededStoreFile, seedOccurrenceRows } from "../lib/sqlite-seed.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { benchProject } from "../lib/workload.js";

const targetSize = 1_000_000;

async function measureSize(context: SuiteContext, dbPath: string, size: number): Promise<void> {
  const profileName = `list.${label(size).toLowerCase()}`;
  const ours = await startScribaServe({
    name: "scriba",
    storage: `sqlite:${dbPath}`,
    cpus: context.cpus.serverCpus,
    nodeArgs: context.profileArgs(profileName),
  });
  try {
    await measureListFigures(context, ours, size, {
      idPrefix: "list",
      suite: "list",
      issue: 2,
      titleSuffix: "",
      oursLabel: "scriba serve (REST, SQLite)",
      baselineLabel: "raw better-sqlite3 query",
      targetP99Ms: 5,
      targetSize,
      baselineTask: (resourceUris, pageSize) => ({
        task: "sqlite-list",
        params: { path: dbPath, project: benchProject, resourceUris, pageSize },
      }),
    });
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
