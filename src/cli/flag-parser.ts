/**
 * @module cli/flag-parser
 *
 * Turns a command's argv into the `flags` that `resolveSettings` reads, from
 * the same setting descriptions (so every flag in `--help` is accepted and
 * nothing else is). Built on node:util `parseArgs` in strict mode: an unknown
 * flag, a missing value or a stray positional argument is INVALID_ARGUMENT
 * (exit code 2). `--config FILE` is understood by every command that uses
 * this parser and returned separately.
 */
import { parseArgs } from "node:util";
import { invalidArgument } from "../errors.js";
import type { SettingSpec, SettingValues } from "./settings.js";
import { readConfigFile, resolveSettings } from "./settings.js";

export interface CommandLine {
  readonly flags: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** `--config FILE`, when given. */
  readonly configFile: string | undefined;
}

/**
 * Parses `args` against the settings' flags. `short` maps one-letter
 * aliases to flag names (`{ f: "file" }` for `-f`).
 */
export function parseCommandLine(
  args: readonly string[],
  specs: Record<string, SettingSpec<unknown>>,
  short: Readonly<Record<string, string>> = {},
): CommandLine {
  type Option = { type: "string" | "boolean"; multiple?: boolean; short?: string };
  const options: Record<string, Option> = { config: { type: "string" } };
  for (const spec of Object.values(specs)) {
    options[spec.flag] = { type: spec.boolean ? "boolean" : "string", ...(spec.multiple ? { multiple: true } : {}) };
  }
  for (const [letter, flag] of Object.entries(short)) {
    const option = options[flag];
    if (option !== undefined) option.short = letter;
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw invalidArgument(error instanceof Error ? error.message : String(error));
  }
  const { config, ...flags } = values;
  return { flags, configFile: typeof config === "string" ? config : undefined };
}

/** Parses argv, reads `--config` when given, and resolves every setting. */
export function readCommandSettings<Specs extends Record<string, SettingSpec<unknown>>>(
  args: readonly string[],
  specs: Specs,
  env: NodeJS.ProcessEnv,
  short: Readonly<Record<string, string>> = {},
): { values: SettingValues<Specs>; commandLine: CommandLine } {
  const commandLine = parseCommandLine(args, specs, short);
  const file = commandLine.configFile === undefined ? undefined : readConfigFile(commandLine.configFile, Object.values(specs));
  return { values: resolveSettings(specs, { flags: commandLine.flags, env, file }), commandLine };
}

export function required<T>(value: T | undefined, flag: string, what: string): T {
  if (value === undefined) throw invalidArgument(`--${flag} ${what} is required (see --help)`);
  return value;
}
