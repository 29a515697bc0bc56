/**
 * @module cli/resource-arguments
 *
 * What `scriba note …` and `scriba occurrence …` share: the action word, the
 * flags of `list`, reading a v1 JSON file into a message, and fetching one
 * page or every page as the flags ask.
 */
import { readFileSync } from "node:fs";
import type { DescMessage, JsonValue, MessageShape } from "@bufbuild/protobuf";
import type { Page } from "../client/grafeas-client.js";
import { invalidArgument } from "../errors.js";
import { messageFromJson } from "../grafeas/proto-json.js";
import { isValidId } from "../grafeas/resource-names.js";
import type { CliIO } from "./command.js";
import { describeFlag, positiveInteger } from "./settings.js";

/** parseArgs options of the flags every resource command takes. */
export const resourceFlagOptions = {
  file: { type: "string", short: "f" },
  filter: { type: "string" },
  "page-size": { type: "string" },
  "page-token": { type: "string" },
  all: { type: "boolean" },
  output: { type: "string", short: "o" },
} as const;

export const listFlagsHelp = [
  describeFlag("--filter EXPR", `AIP-160 filter, e.g. 'kind="ATTESTATION"'`),
  describeFlag("--page-size N", "Items per request; alone, prints one page (the next token goes to stderr)"),
  describeFlag("--page-token TOKEN", "Continues a listing from a page token"),
  describeFlag("--all", "Every page (the default unless --page-size or --page-token is given)"),
].join("\n");

/** The action word and the one name argument after it. */
export function actionAndName(
  positionals: readonly string[],
  actions: readonly string[],
  usage: string,
): { action: string; name: string | undefined } {
  const [action, name, ...extra] = positionals;
  if (action === undefined) throw invalidArgument(`an action is required: ${actions.join(", ")}\n\n${usage}`);
  if (!actions.includes(action)) {
    throw invalidArgument(`unknown action ${JSON.stringify(action)}; expected one of ${actions.join(", ")}`);
  }
  if (extra.length > 0) throw invalidArgument(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { action, name };
}

/** Flags that only some actions take; given to another action they are a usage error, not ignored. */
const actionFlags: Readonly<Record<string, readonly string[]>> = {
  file: ["create"],
  filter: ["list"],
  "page-size": ["list"],
  "page-token": ["list"],
  all: ["list"],
  note: ["list"],
};

export function refuseFlagsOfOtherActions(values: Readonly<Record<string, unknown>>, action: string): void {
  for (const [flag, takers] of Object.entries(actionFlags)) {
    if (values[flag] !== undefined && !takers.includes(action)) {
      throw invalidArgument(`--${flag} does not apply to ${action}`);
    }
  }
}

export function requireName(name: string | undefined, what: string): string {
  if (name === undefined || name === "") throw invalidArgument(`${what} is required`);
  return name;
}

/** `projects/P` or just `P`. */
export function projectArgument(text: string | undefined): string {
  const value = requireName(text, "the project (projects/PROJECT)");
  return value.startsWith("projects/") || !isValidId(value) ? value : `projects/${value}`;
}

/** Reads a grafeas.v1 JSON file (`-f FILE`) into a message; a bad file is a usage error. */
export function readMessageFile<Desc extends DescMessage>(schema: Desc, path: string | undefined): MessageShape<Desc> {
  if (path === undefined || path === "") throw invalidArgument("-f FILE (the v1 JSON to create) is required");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw invalidArgument(`cannot read ${path}: ${reason}`);
  }
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw invalidArgument(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return messageFromJson(schema, json, path);
}

export interface ListFlags {
  readonly filter?: string | undefined;
  readonly "page-size"?: string | undefined;
  readonly "page-token"?: string | undefined;
  readonly all?: boolean | undefined;
}

/**
 * Fetches what the list flags ask for: every page by default (or with
 * `--all`), one page with `--page-size` or `--page-token` alone. When one page
 * is printed and more follow, the token for the next one goes to stderr.
 */
export async function fetchListing<T>(
  flags: ListFlags,
  io: CliIO,
  onePage: (options: { filter?: string | undefined; pageSize?: number | undefined; pageToken?: string | undefined }) => Promise<Page<T>>,
  everyPage: (options: { filter?: string | undefined; pageSize?: number | undefined }) => Promise<T[]>,
): Promise<T[]> {
  const pageSize = flags["page-size"] === undefined ? undefined : positiveInteger("--page-size")(flags["page-size"]);
  const pageToken = flags["page-token"];
  const filter = flags.filter;
  if (flags.all === true && pageToken !== undefined) throw invalidArgument("--all and --page-token cannot be combined");
  if (flags.all === true || (pageSize === undefined && pageToken === undefined)) return everyPage({ filter, pageSize });
  const page = await onePage({ filter, pageSize, pageToken });
  if (page.nextPageToken !== "") io.stderr(`more results: --page-token ${page.nextPageToken}\n`);
  return page.items;
}
