/**
 * @module tls/read-pem-file
 *
 * Reads a PEM file named by a setting, so that a missing or unreadable file
 * is a usage error naming the flag and the file, not a stack trace. Read
 * once at start-up, so synchronously.
 */
import { readFileSync } from "node:fs";
import { invalidArgument } from "../errors.js";

/** The file's text; INVALID_ARGUMENT `--flag FILE cannot be read: ENOENT` when it cannot be read. */
export function readPemFile(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw invalidArgument(`${flag} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}
