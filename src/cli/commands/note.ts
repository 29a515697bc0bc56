/**
 * @module cli/commands/note
 *
 * `scriba note create|get|list|delete`: notes on a Scriba server, printed as
 * a table or as canonical proto3 JSON for scripts.
 */
import { NoteSchema } from "../../gen/grafeas/v1/grafeas_pb.js";
import { parseNoteName } from "../../grafeas/resource-names.js";
import { type Command, exitCodes } from "../command.js";
import { jsonText, notesOutput, parseTableOrJson, protoJson } from "../grafeas-output.js";
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
  scriba note create projects/P/notes/N -f note.json
  scriba note get projects/P/notes/N
  scriba note list projects/P [--filter EXPR] [--page-size N | --all]
  scriba note delete projects/P/notes/N

Creates, reads, lists and deletes grafeas.v1 notes. note.json is a v1 Note in
proto3 JSON, e.g. {"attestation":{"hint":{"humanReadableName":"qa"}}}.
Deleting a note that still has occurrences is refused by the server.

Options:
${describeFlag("-f, --file FILE", "The note to create (v1 JSON)")}
${listFlagsHelp}
${describeFlag("-o, --output table|json", "table (default): name, kind, description, create time;", "json: proto3 JSON (list: one array)")}
${describeConnection()}
`;

export const noteCommand: Command = {
  name: "note",
  summary: "Create, get, list or delete notes",
  help: () => usage,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, connectionSettings, { positionals: true, flags: resourceFlagOptions });
    const { action, name } = actionAndName(positionals, actions, usage);
    refuseFlagsOfOtherActions(values, action);
    const output = parseTableOrJson(stringFlag(values, "output") ?? "table");
    const client = connect(values, io);
    switch (action) {
      case "create": {
        const noteName = requireName(name, "the note name (projects/P/notes/N)");
        const { project, noteId } = parseNoteName(noteName);
        const note = readMessageFile(NoteSchema, stringFlag(values, "file"));
        const created = await client.createNote(`projects/${project}`, noteId, note);
        io.stdout(output === "json" ? jsonText(protoJson(NoteSchema, created)) : notesOutput([created], output));
        return exitCodes.ok;
      }
      case "get": {
        const note = await client.getNote(requireName(name, "the note name (projects/P/notes/N)"));
        io.stdout(output === "json" ? jsonText(protoJson(NoteSchema, note)) : notesOutput([note], output));
        return exitCodes.ok;
      }
      case "list": {
        const parent = projectArgument(name);
        const notes = await fetchListing(
          values as ListFlags,
          io,
          (options) => client.listNotes(parent, options),
          (options) => client.listAllNotes(parent, options),
        );
        io.stdout(notesOutput(notes, output));
        return exitCodes.ok;
      }
      default: {
        // delete
        const noteName = requireName(name, "the note name (projects/P/notes/N)");
        await client.deleteNote(noteName);
        io.stdout(output === "json" ? jsonText({ deleted: noteName }) : `Deleted ${noteName}\n`);
        return exitCodes.ok;
      }
    }
  },
};
