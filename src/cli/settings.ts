/**
 * @module cli/settings
 *
 * One description per setting gives its command-line flag, its environment
 * variable, its key in the YAML config file, its default and its help text, so
 * the three sources can never drift apart. Precedence: flag, then environment,
 * then config file, then default.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { invalidArgument } from "../errors.js";

export interface SettingSpec<T> {
  /** The flag without dashes: `listen` → `--listen`. */
  readonly flag: string;
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
export function oneOf<const T extends string>(what: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw invalidArgument(`${what} must be one of ${values.join(", ")}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
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

/** Help text lines for a command's settings. */
export function describeSettings(specs: Record<string, SettingSpec<unknown>>): string {
  const rows = Object.values(specs).map((s) => {
    const left = s.boolean ? `--${s.flag}` : `--${s.flag} ${s.valueName}`;
    const extra = [
      s.default !== undefined ? `default ${s.default}` : undefined,
      `env ${s.env}`,
      `config ${s.key}`,
    ].filter(Boolean).join("; ");
    return `  ${left.padEnd(30)} ${s.description}\n  ${"".padEnd(30)} (${extra})`;
  });
  return rows.join("\n");
}
