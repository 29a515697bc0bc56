/**
 * @module cli/commands
 *
 * Every `scriba` subcommand, in the order `scriba --help` lists them.
 */
import type { Command } from "../command.js";
import { checkCommand } from "./check.js";
import { webhookCommand } from "./webhook.js";

export const commands: readonly Command[] = [webhookCommand, checkCommand];
