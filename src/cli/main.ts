#!/usr/bin/env node
/**
 * @module cli/main
 *
 * The `scriba` executable: dispatches to one subcommand per file in
 * `cli/commands/`. Usage errors exit 2 with the reason on stderr.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ScribaError } from "../errors.js";
import { commands } from "./commands/index.js";
import { exitCodes, type CliIO } from "./command.js";

export function rootHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "scriba — a Grafeas-compatible metadata server and Kritis-style admission gate",
    "",
    "Usage: scriba <command> [options]   (scriba <command> --help for its options)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
  ].join("\n");
}

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(rootHelp());
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`scriba: unknown command ${JSON.stringify(name)}\n\n${rootHelp()}`);
    return exitCodes.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.help());
    return exitCodes.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isArgumentParseError(error)) {
      io.stderr(`scriba ${name}: ${error.message} (scriba ${name} --help lists the options)\n`);
      return exitCodes.usage;
    }
    const message = error instanceof ScribaError ? error.message : String(error);
    io.stderr(`scriba ${name}: ${message}\n`);
    return error instanceof ScribaError && error.code === "INVALID_ARGUMENT" ? exitCodes.usage : exitCodes.failed;
  }
}

/** node:util parseArgs refusing the command line (unknown option, missing value): a usage error. */
function isArgumentParseError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** True when run as the program (directly or through npm's bin link), not imported. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => controller.abort());
  }
  const code = await runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = code;
}
