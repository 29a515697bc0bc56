/**
 * @module cli/commands/occurrence
 *
 * `scriba occurrence create|get|list|delete`: occurrences on a Scriba server,
 * printed as a table or as canonical proto3 JSON for scripts. `list --note`
 * lists a note's occurrences across every project (ListNoteOccurrences).
 */
import { type Occurrence, OccurrenceSchema } from "../../gen/grafeas/v1/grafeas_pb.js";
import { invalidArgument } from "../../errors.js";
import { type Command, exitCodes } from "../command.js";
import { jsonText, occurrencesOutput, parseTableOrJson, protoJson } from "../grafeas-output.js";
import {
  type ListFlags,
  actionAndName,
  fetchListing,
  listFlagsHelp,
  projectArgument,
  readMessageFile,
  refuseFlagsOfOtherActions,
  requireName,
  resourceFlagOptions,
} from "../resource-arguments.js";
import { connect, connectionSettings, describeConnection } from "../server-connection.js";
import { describeFlag, parseCommandLine, stringFlag } from "../settings.js";

const actions = ["create", "get", "list", "delete"] as const;

const usage = `Usage:
  scriba occurrence create projects/P -f occurrence.json
  scriba occurrence get projects/P/occurrences/ID
  scriba occurrence list projects/P [--filter EXPR] [--page-size N | --all]
  scriba occurrence list --note projects/P/notes/N [--filter EXPR] [--page-size N | --all]
  scriba occurrence delete projects/P/occurrences/ID

Creates, reads, lists and deletes grafeas.v1 occurrences. occurrence.json is a
v1 Occurrence in proto3 JSON (resourceUri, noteName and its details); the
server names the new occurrence and prints it. Its note must exist.

Options:
${describeFlag("-f, --file FILE", "The occurrence to create (v1 JSON)")}
${describeFlag("--note projects/P/notes/N", "list: the note's occurrences, from every project")}
${listFlagsHelp}
${describeFlag("-o, --output table|json", "table (default): name, kind, resource URI, create time;", "json: proto3 JSON (list: one array)")}
${describeConnection()}
`;

export const occurrenceCommand: Command = {
  name: "occurrence",
  summary: "Create, get, list or delete occurrences",
  help: () => usage,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, connectionSettings, {
      positionals: true,
      flags: { ...resourceFlagOptions, note: { type: "string" } },
    });
    const { action, name } = actionAndName(positionals, actions, usage);
    refuseFlagsOfOtherActions(values, action);
    const output = parseTableOrJson(stringFlag(values, "output") ?? "table");
    const client = connect(values, io);
    const single = (occurrence: Occurrence) =>
      output === "json" ? jsonText(protoJson(OccurrenceSchema, occurrence)) : occurrencesOutput([occurrence], output);
    switch (action) {
      case "create": {
        const parent = projectArgument(name);
        const occurrence = readMessageFile(OccurrenceSchema, stringFlag(values, "file"));
        io.stdout(single(await client.createOccurrence(parent, occurrence)));
        return exitCodes.ok;
      }
      case "get": {
        io.stdout(single(await client.getOccurrence(requireName(name, "the occurrence name (projects/P/occurrences/ID)"))));
        return exitCodes.ok;
      }
      case "list": {
        const note = stringFlag(values, "note");
        if (note !== undefined && name !== undefined) {
          throw invalidArgument("give either a project or --note, not both");
        }
        const occurrences =
          note === undefined
            ? await fetchListing(
                values as ListFlags,
                io,
                (options) => client.listOccurrences(projectArgument(name), options),
                (options) => client.listAllOccurrences(projectArgument(name), options),
              )
            : await fetchListing(
                values as ListFlags,
                io,
                (options) => client.listNoteOccurrences(note, options),
                (options) => client.listAllNoteOccurrences(note, options),
              );
        io.stdout(occurrencesOutput(occurrences, output));
        return exitCodes.ok;
      }
      default: {
        // delete
        const occurrenceName = requireName(name, "the occurrence name (projects/P/occurrences/ID)");
        await client.deleteOccurrence(occurrenceName);
        io.stdout(output === "json" ? jsonText({ deleted: occurrenceName }) : `Deleted ${occurrenceName}\n`);
        return exitCodes.ok;
      }
    }
  },
};
