/**
 * @module server/storage-config
 *
 * The `--storage` setting: `memory`, `sqlite:PATH`, or a PostgreSQL URL
 * (`postgres://user@host:5432/db?sslmode=verify-full`).
 */
import { invalidArgument } from "../errors.js";

export type StorageSetting =
  | { readonly kind: "memory" }
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string };

export const defaultStorage = "sqlite:data/scriba.db";

export function parseStorageSetting(text: string): StorageSetting {
  const value = text.trim();
  if (value === "memory") return { kind: "memory" };
  if (value.startsWith("sqlite:")) {
    const path = value.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") throw invalidArgument("--storage sqlite:PATH needs a file path, e.g. sqlite:data/scriba.db");
    return { kind: "sqlite", path };
  }
  if (value.startsWith("postgres://") || value.startsWith("postgresql://")) {
    try {
      new URL(value);
    } catch {
      throw invalidArgument("--storage has a malformed PostgreSQL URL");
    }
    return { kind: "postgres", url: value };
  }
  throw invalidArgument(
    `--storage must be memory, sqlite:PATH or postgres://USER@HOST:PORT/DB, got ${JSON.stringify(value.replace(/\/\/[^@/]*@/, "//…@"))}`,
  );
}

/** The setting for logs: a PostgreSQL URL loses its password. */
export function describeStorage(setting: StorageSetting): string {
  if (setting.kind === "memory") return "memory";
  if (setting.kind === "sqlite") return `sqlite:${setting.path}`;
  const url = new URL(setting.url);
  if (url.password !== "") url.password = "redacted";
  return url.toString();
}
