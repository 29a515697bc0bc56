/**
 * @module bench/run
 *
 * The entry point of `npm run bench`, which first compiles src and bench with
 * the compiler settings of `npm run build` into .bench/build (so a dist/ in
 * use is never touched) and runs this file from there. Runs the selected
 * suites, each figure beside its baseline in alternating rounds, with the
 * server and the load generator pinned to different CPUs; prints a table and
 * the markdown rows of docs/benchmarks.md, and writes every measurement to
 * bench/results/.
 */
import { mkdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { echoChildStderr } from "./lib/child-process.js";
import { formatProfile, newestProfile, profileArgs, summarizeProfile } from "./lib/cpu-profile.js";
import type { Figure } from "./lib/figures.js";
import { describeMachine } from "./lib/machine.js";
import { parseOptions, usage } from "./lib/options.js";
import { planCpus } from "./lib/pinning.js";
import { consoleTable, markdownTable, writeResults, type RunResults } from "./lib/report.js";
import type { SuiteContext } from "./lib/suite.js";
import { findWrk } from "./lib/wrk.js";
import { suites } from "./suites/index.js";

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function main(): Promise<number> {
  const names = suites.map((s) => s.name);
  const parsed = parseOptions(process.argv.slice(2), names);
  if (parsed.help) {
    process.stdout.write(usage.replace("SUITES", names.join(", ")));
    return 0;
  }
  const options = parsed.bench;
  echoChildStderr(options.verbose);
  const started = new Date();
  const cpus = planCpus(availableParallelism(), parsed.pinning);
  const wrk = findWrk();
  const machine = describeMachine(cpus, wrk?.version);
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const runDir = resolve(options.dataDir, `run-${stamp}`);
  const profileRoot = resolve(options.resultsDir, `profiles-${stamp}`);
  mkdirSync(runDir, { recursive: true });

  log(`scriba bench — ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, SQLite ${machine.sqlite}`);
  log(`pinning: ${cpus.note}; HTTP load: ${options.loadgen === "node" || !wrk ? "Node load generator" : wrk.version}`);
  log(`suites: ${options.only.join(", ")}; ${options.rounds} rounds × (${options.warmupSeconds} s warm-up + ${options.durationSeconds} s)\n`);

  const figures: Figure[] = [];
  const facts: RunResults["facts"][number][] = [];
  let failures = 0;
  for (const suite of suites.filter((s) => options.only.includes(s.name))) {
    const workDir = join(runDir, suite.name);
    mkdirSync(workDir, { recursive: true });
    const context: SuiteContext = {
      options,
      cpus,
      load: { tool: options.loadgen, wrkAvailable: wrk !== undefined, clientCpus: cpus.clientCpus, workDir },
      workDir,
      timing: { warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds },
      log,
      fact: (text, seconds) => {
        facts.push({ suite: suite.name, text, ...(seconds === undefined ? {} : { seconds }) });
        log(`  · ${text}`);
      },
      figure: (figure) => {
        figures.push(figure);
        log(`  => ${figure.id}: ${consoleTable([figure]).split("\n")[2]}`);
        for (const note of figure.notes) log(`     note: ${note}`);
      },
      profileArgs: (name) => profileArgs(options.profile ? join(profileRoot, name) : undefined),
      reportProfile: (name) => {
        if (!options.profile) return;
        const file = newestProfile(join(profileRoot, name));
        if (file === undefined) return log(`  (no profile was written for ${name})`);
        log(`  profile of ${name} (${file}):`);
        log(formatProfile(summarizeProfile(file, 15)).replace(/^/gm, "    "));
      },
    };
    const suiteStart = performance.now();
    log(`[${suite.name}] ${suite.summary} (issue ${suite.issue})`);
    try {
      await suite.run(context);
    } catch (error) {
      failures += 1;
      log(`[${suite.name}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    log(`[${suite.name}] ${((performance.now() - suiteStart) / 1000).toFixed(0)} s\n`);
  }

  const finished = new Date();
  const results: RunResults = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: (finished.getTime() - started.getTime()) / 1000,
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine,
    options: { ...options },
    facts,
    figures,
  };
  const path = writeResults(options.resultsDir, results);
  if (!options.keepData) rmSync(runDir, { recursive: true, force: true });

  log(consoleTable(figures));
  log(`\nMarkdown rows for docs/benchmarks.md:\n\n${markdownTable(figures)}\n`);
  log(`results: ${path}; wall time ${(results.wallSeconds / 60).toFixed(1)} min`);
  if (options.keepData) log(`data kept in ${runDir}`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
