/**
 * @module cli/settings
 *
 * One description per setting gives its command-line flag, its environment
 * variable, its key in the YAML config file, its default and its help text, so
 * the three sources can never drift apart. Precedence: flag, then environment,
 * then config file, then default.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { invalidArgument } from "../errors.js";

export interface SettingSpec<T> {
  /** The flag without dashes: `listen` → `--listen`. */
  readonly flag: string;
  /** A one-letter alias: `f` → `-f`. */
  readonly short?: string;
  /** Dotted key in the config file: `postgres.poolSize`. */
  readonly key: string;
  readonly env: string;
  /** Shown in help: `HOST:PORT`. */
  readonly valueName: string;
  readonly description: string;
  /** The default as text, shown in help and parsed like any other value. */
  readonly default?: string;
  /** A boolean flag (`--dry-run`) takes no value. */
  readonly boolean?: boolean;
  /** Several values (`--key a.pem --key b.pem`); config files give a YAML list. */
  readonly multiple?: boolean;
  parse(text: string): T;
}

/** Resolved values: one value per setting, or a list for `multiple` settings. */
export type SettingValues<Specs extends Record<string, SettingSpec<unknown>>> = {
  [K in keyof Specs]: Specs[K] extends SettingSpec<infer T>
    ? (Specs[K] extends { readonly multiple?: true } ? T[] : T) | undefined
    : never;
};

/** Declares a setting; `multiple: true` is kept in the type so its value is typed as a list. */
export function setting<T, const M extends boolean = false>(
  spec: SettingSpec<T> & { readonly multiple?: M },
): SettingSpec<T> & { readonly multiple?: M } {
  return spec;
}

export const text = (value: string) => value;
export function positiveInteger(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw invalidArgument(`${what} must be a positive whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}
const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration with its unit (`500ms`, `30s`, `5m`, `1h`), or `0`; in milliseconds. */
export function duration(what: string) {
  return (value: string): number => {
    if (value.trim() === "0") return 0;
    const match = /^(\d+)(ms|s|m|h)$/.exec(value.trim());
    const unit = match === null ? undefined : durationUnits[match[2]!];
    if (match === null || unit === undefined) {
      throw invalidArgument(`${what} must be a duration such as 500ms, 30s, 5m or 1h (or 0), got ${JSON.stringify(value)}`);
    }
    return Number(match[1]) * unit;
  };
}

export function oneOf<const T extends string>(what: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw invalidArgument(`${what} must be one of ${values.join(", ")}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
}

type FlagSpec = { flag: string; short?: string; boolean?: boolean; multiple?: boolean };

/** The `node:util` parseArgs options for a set of settings. */
export function flagOptions(specs: Record<string, FlagSpec>) {
  return Object.fromEntries(
    Object.values(specs).map((s) => [
      s.flag,
      {
        type: s.boolean ? ("boolean" as const) : ("string" as const),
        ...(s.multiple ? { multiple: true } : {}),
        ...(s.short ? { short: s.short } : {}),
      },
    ]),
  );
}

/** A command's own flags (not settings), in parseArgs' terms. */
export type PlainFlags = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export type ParsedFlags = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Parses a command line against a set of settings and the command's own
 * flags. An unknown flag, a missing value or an unexpected positional
 * argument is INVALID_ARGUMENT (exit 2).
 */
export function parseCommandLine(
  args: readonly string[],
  specs: Record<string, FlagSpec>,
  options: { readonly positionals?: boolean; readonly flags?: PlainFlags } = {},
): { values: ParsedFlags; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...flagOptions(specs), ...options.flags },
      strict: true,
      allowPositionals: options.positionals ?? false,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw invalidArgument(error instanceof Error ? error.message : String(error));
  }
}

/** Reads a YAML config file into a flat `dotted.key → value` map, refusing unknown keys. */
export function readConfigFile(
  path: string,
  specs: readonly SettingSpec<unknown>[],
): Map<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidArgument(`cannot read config file ${path}: ${reason}`);
  }
  const known = new Set(specs.map((s) => s.key));
  const prefixes = new Set(specs.flatMap((s) => s.key.split(".").slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join("."))));
  const flat = new Map<string, unknown>();
  const walk = (value: unknown, prefix: string) => {
    if (value === null || value === undefined) return;
    if (typeof value === "object" && !Array.isArray(value) && (prefix === "" || prefixes.has(prefix))) {
      for (const [key, child] of Object.entries(value)) walk(child, prefix === "" ? key : `${prefix}.${key}`);
      return;
    }
    if (!known.has(prefix)) throw invalidArgument(`config file ${path}: unknown setting ${JSON.stringify(prefix)}`);
    flat.set(prefix, value);
  };
  walk(document, "");
  return flat;
}

/**
 * Resolves every setting from the parsed flags, the environment and the config
 * file. Each value is parsed by its spec; errors name where the value came from.
 */
export function resolveSettings<Specs extends Record<string, SettingSpec<unknown>>>(
  specs: Specs,
  sources: {
    flags: Record<string, string | boolean | (string | boolean)[] | undefined>;
    env: NodeJS.ProcessEnv;
    file?: Map<string, unknown> | undefined;
  },
): SettingValues<Specs> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const flag = sources.flags[spec.flag];
    const fromEnv = sources.env[spec.env];
    const fromFile = sources.file?.get(spec.key);
    let raw: string[] | undefined;
    let origin: string;
    if (flag !== undefined) {
      raw = (Array.isArray(flag) ? flag : [flag]).map(String);
      origin = `--${spec.flag}`;
    } else if (fromEnv !== undefined && fromEnv !== "") {
      raw = spec.multiple ? fromEnv.split(",") : [fromEnv];
      origin = spec.env;
    } else if (fromFile !== undefined) {
      raw = (Array.isArray(fromFile) ? fromFile : [fromFile]).map(String);
      origin = `config ${spec.key}`;
    } else {
      raw = spec.default === undefined ? undefined : [spec.default];
      origin = `default of --${spec.flag}`;
    }
    if (raw === undefined) continue;
    try {
      const parsed = raw.map((r) => spec.parse(r));
      out[name] = spec.multiple ? parsed : parsed[parsed.length - 1];
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw invalidArgument(`${origin}: ${reason}`);
    }
  }
  return out as SettingValues<Specs>;
}

/**
 * Help text lines for a command's settings. `configFile: false` leaves out the
 * config keys, for commands that read no config file.
 */
export function describeSettings(
  specs: Record<string, SettingSpec<unknown>>,
  options: { readonly configFile?: boolean } = {},
): string {
  const rows = Object.values(specs).map((s) => {
    const long = s.boolean ? `--${s.flag}` : `--${s.flag} ${s.valueName}`;
    const left = s.short ? `-${s.short}, ${long}` : long;
    const extra = [
      s.default !== undefined ? `default ${s.default}` : undefined,
      `env ${s.env}`,
      options.configFile === false ? undefined : `config ${s.key}`,
    ].filter(Boolean).join("; ");
    return `  ${left.padEnd(30)} ${s.description}\n  ${"".padEnd(30)} (${extra})`;
  });
  return rows.join("\n");
}

/** A string flag's value from {@link parseCommandLine}'s result. */
export function stringFlag(values: ParsedFlags, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** Every value of a repeatable string flag. */
export function stringFlags(values: ParsedFlags, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" ? [value] : [];
}

/** One help line for a flag that is not a setting, aligned with {@link describeSettings}. */
export function describeFlag(left: string, description: string, ...more: string[]): string {
  return [`  ${left.padEnd(30)} ${description}`, ...more.map((line) => `  ${"".padEnd(30)} ${line}`)].join("\n");
}

/** `--config FILE` (or SCRIBA_CONFIG): the YAML file every settings-driven command reads. */
export const configFileSetting = setting({
  flag: "config",
  key: "config",
  env: "SCRIBA_CONFIG",
  valueName: "FILE",
  description: "YAML config file; flags and environment variables override it.",
  parse: text,
});

/** A command line read for settings: the setting flags and `--config FILE`, if given. */
export interface CommandLine {
  readonly flags: ParsedFlags;
  readonly configFile: string | undefined;
}

/**
 * Parses argv against the settings' flags (plus `--config FILE`), reads the
 * config file when given, and resolves every setting: the one path every
 * settings-driven command takes.
 */
export function readCommandSettings<Specs extends Record<string, SettingSpec<unknown>>>(
  args: readonly string[],
  specs: Specs,
  env: NodeJS.ProcessEnv,
): { values: SettingValues<Specs>; commandLine: CommandLine } {
  const { values } = parseCommandLine(args, specs, { flags: { config: { type: "string" } } });
  const { config, ...flags } = values;
  const configPath = typeof config === "string" ? config : env[configFileSetting.env];
  const commandLine = { flags, configFile: configPath === "" ? undefined : configPath };
  const file = commandLine.configFile === undefined ? undefined : readConfigFile(commandLine.configFile, Object.values(specs));
  return { values: resolveSettings(specs, { flags, env, file }), commandLine };
}

/** A setting the command cannot run without; missing is a usage error (exit 2). */
export function required<T>(value: T | undefined, flag: string, what: string): T {
  if (value === undefined) throw invalidArgument(`--${flag} ${what} is required (see --help)`);
  return value;
}
