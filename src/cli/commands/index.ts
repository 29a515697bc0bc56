/**
 * @module cli/commands
 *
 * Every `scriba` subcommand, in the order `scriba --help` lists them.
 */
import type { Command } from "../command.js";
import { auditCommand } from "./audit.js";
import { certsCommand } from "./certs.js";
import { checkCommand } from "./check.js";
import { noteCommand } from "./note.js";
import { occurrenceCommand } from "./occurrence.js";
import { serveCommand } from "./serve.js";
import { signCommand } from "./sign.js";
import { verifyCommand } from "./verify.js";
import { webhookCommand } from "./webhook.js";

export const commands: readonly Command[] = [
  serveCommand,
  webhookCommand,
  checkCommand,
  auditCommand,
  signCommand,
  verifyCommand,
  noteCommand,
  occurrenceCommand,
  certsCommand,
];
