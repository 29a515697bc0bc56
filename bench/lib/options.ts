/**
 * @module bench/lib/options
 *
 * `npm run bench -- [options]`: which suites, how long, how often, which
 * load generator, where data goes.
 */
import { parseArgs } from "node:util";
import type { LoadToolChoice } from "./load-runner.js";
import type { PinningOptions } from "./pinning.js";
import type { BenchOptions } from "./suite.js";

export const usage = `Usage: npm run bench -- [options]

Runs the benchmark suites and prints each figure beside its baseline, measured
in the same run in alternating rounds. Not part of npm test.

Options:
  --only LIST        suites to run, comma-separated (default: all): SUITES
  --sizes LIST       stored occurrences for the list and pg suites (default: 100k,1M)
  --duration SEC     length of each measured window (default: 5)
  --warmup SEC       warm-up before each window (default: 2)
  --rounds N         baseline/Scriba pairs per figure (default: 3)
  --loadgen TOOL     auto | wrk | node (default: auto = wrk for HTTP when installed)
  --server-cpus L    taskset CPU list for servers and in-process loops (default: first CPU)
  --client-cpus L    taskset CPU list for load generators (default: second CPU)
  --no-pin           do not pin processes to CPUs
  --data-dir DIR     scratch space for databases (default: .bench/data; use a real disk,
                     not tmpfs, or fsync costs nothing and the write figures lie)
  --results-dir DIR  where results JSON goes (default: bench/results)
  --pg-url URL       PostgreSQL server for the pg suite; a scratch database is
                     created on it for the run and dropped afterwards
                     (default: postgres://postgres@127.0.0.1:5432)
  --keep-data        keep the scratch directory after the run
  --profile          CPU-profile every Scriba process (node --cpu-prof) and print
                     where its time went; profiles go under the results directory
  --verbose          copy the children's stderr
  --help             this text
`;

/** The PostgreSQL server the pg suite makes its scratch database on. */
export const defaultPgUrl = "postgres://postgres@127.0.0.1:5432";

/** `100k` → 100000, `1M` → 1000000, `2500` → 2500. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${JSON.stringify(text)} (use e.g. 100k or 1M)`);
  const scale = { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[match[2] as "" | "k" | "K" | "m" | "M"];
  return Math.round(Number(match[1]) * scale);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
}

export interface ParsedOptions {
  readonly bench: BenchOptions;
  readonly pinning: PinningOptions;
  readonly help: boolean;
}

export function parseOptions(args: readonly string[], suiteNames: readonly string[]): ParsedOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      only: { type: "string" },
      sizes: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      loadgen: { type: "string" },
      "server-cpus": { type: "string" },
      "client-cpus": { type: "string" },
      "no-pin": { type: "boolean" },
      "data-dir": { type: "string" },
      "results-dir": { type: "string" },
      "pg-url": { type: "string" },
      "keep-data": { type: "boolean" },
      verbose: { type: "boolean" },
      profile: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = values.only === undefined ? [...suiteNames] : values.only.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of only) {
    if (!suiteNames.includes(name)) throw new Error(`unknown suite ${JSON.stringify(name)}; known: ${suiteNames.join(", ")}`);
  }
  const loadgen = (values.loadgen ?? "auto") as LoadToolChoice;
  if (!["auto", "wrk", "node"].includes(loadgen)) throw new Error("--loadgen must be auto, wrk or node");
  const sizes = (values.sizes ?? "100k,1M").split(",").map(parseSize).sort((a, b) => a - b);
  return {
    help: values.help ?? false,
    pinning: {
      serverCpus: values["server-cpus"],
      clientCpus: values["client-cpus"],
      disabled: values["no-pin"] ?? false,
    },
    bench: {
      only: suiteNames.filter((name) => only.includes(name)),
      sizes,
      durationSeconds: positive("duration", values.duration, 5),
      warmupSeconds: values.warmup === "0" ? 0 : positive("warmup", values.warmup, 2),
      rounds: Math.round(positive("rounds", values.rounds, 3)),
      loadgen,
      dataDir: values["data-dir"] ?? ".bench/data",
      resultsDir: values["results-dir"] ?? "bench/results",
      pgUrl: values["pg-url"] ?? defaultPgUrl,
      keepData: values["keep-data"] ?? false,
      verbose: values.verbose ?? false,
      profile: values.profile ?? false,
    },
  };
}
