/**
 * @module cli/commands
 *
 * Every `scriba` subcommand, in the order `scriba --help` lists them.
 */
import type { Command } from "../command.js";
import { certsCommand } from "./certs.js";
import { noteCommand } from "./note.js";
import { occurrenceCommand } from "./occurrence.js";
import { serveCommand } from "./serve.js";
import { signCommand } from "./sign.js";
import { verifyCommand } from "./verify.js";

export const commands: readonly Command[] = [
  serveCommand,
  signCommand,
  verifyCommand,
  noteCommand,
  occurrenceCommand,
  certsCommand,
];
