/**
 * @module cli/commands
 *
 * Every `scriba` subcommand, in the order `scriba --help` lists them.
 */
import type { Command } from "../command.js";
import { certsCommand } from "./certs.js";
import { serveCommand } from "./serve.js";

export const commands: readonly Command[] = [serveCommand, certsCommand];
