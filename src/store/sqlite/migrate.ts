/**
 * @module store/sqlite/migrate
 *
 * Brings a SQLite database to the newest schema this code knows. Each
 * migration runs in its own IMMEDIATE transaction (the schema change and its
 * row in `schema_migrations` commit together or not at all), and re-checks the
 * version inside it, so running migrate again, or from two processes at once,
 * applies each migration exactly once. A database whose schema is newer than
 * this code is refused rather than used half-understood.
 */
import type Database from "better-sqlite3";
import { schemaTooNew } from "../store-errors.js";
import { migrations, type Migration } from "./schema.js";

const createVersionTable = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL
) STRICT`;

/** The highest applied migration version; 0 for an empty database. */
export function schemaVersion(db: Database.Database): number {
  return db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").pluck().get() as number;
}

/**
 * Applies the pending migrations and returns the resulting schema version.
 * Throws FAILED_PRECONDITION when the database is newer than `known`.
 */
export function migrate(
  db: Database.Database,
  known: readonly Migration[] = migrations,
): number {
  const knownVersion = known.reduce((max, m) => Math.max(max, m.version), 0);
  db.exec(createVersionTable);
  const found = schemaVersion(db);
  if (found > knownVersion) throw schemaTooNew(found, knownVersion);
  const record = db.prepare(
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
  );
  for (const migration of [...known].sort((a, b) => a.version - b.version)) {
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      record.run(migration.version);
    }).immediate();
  }
  return schemaVersion(db);
}
