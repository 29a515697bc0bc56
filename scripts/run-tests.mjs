#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and bench/ with node:test and tsx.
// Node 20 does not expand globs for --test, so the files are listed here; a
// run that finds no test file fails instead of passing with zero tests.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== "node_modules" && entry !== "gen") out = out.concat(find(path));
    } else if (entry.endsWith(".test.ts")) {
      out.push(path);
    }
  }
  return out;
}

const only = process.argv.slice(2);
const files = (only.length > 0 ? only : [...find("src"), ...find("test"), ...find("bench")]).sort();
if (files.length === 0) {
  console.error("run-tests: no *.test.ts files found");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...files],
  { stdio: "inherit", env: { ...process.env, METADATA_SERVER_DETECTION: "none" } },
);
process.exit(result.status ?? 1);
