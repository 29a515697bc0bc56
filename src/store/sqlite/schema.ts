/**
 * @module store/sqlite/schema
 *
 * The SQLite schema, as numbered migrations. They live in TypeScript rather
 * than .sql files so that the compiled package carries them (tsc copies no
 * other files). A migration, once released, is never edited: change the schema
 * by appending a new one.
 *
 * Design:
 * - Tables are STRICT, and `data` must be valid JSON, so a bug cannot store
 *   something other than what the columns promise.
 * - `seq INTEGER PRIMARY KEY AUTOINCREMENT` is the insertion order and the
 *   pagination key. AUTOINCREMENT matters: without it SQLite may reuse the
 *   number of a deleted last row, and a page token pointing at that number
 *   would then skip the new row.
 * - Projects exist explicitly (CreateProject) or implicitly (the first note or
 *   occurrence written into them); notes and occurrences reference their
 *   project, so a project that still holds objects cannot be deleted.
 * - An occurrence references its note, possibly in another project, with
 *   ON DELETE RESTRICT: deleting a note that is still used fails atomically in
 *   the database, however many writers there are.
 * - Every list reads `WHERE <equalities> AND seq > ? ORDER BY seq LIMIT ?`;
 *   each index ends in `seq` so that a filtered page is a range scan that stops
 *   after pageSize + 1 rows, with no sort. The common occurrence filters
 *   (resource, kind, note) each have one.
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

const initialSchema = `
CREATE TABLE projects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL
) STRICT;

CREATE TABLE notes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL REFERENCES projects (project) ON DELETE RESTRICT,
  note_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  data TEXT NOT NULL CHECK (json_valid(data)),
  UNIQUE (project, note_id)
) STRICT;

CREATE INDEX notes_by_project ON notes (project, seq);
CREATE INDEX notes_by_kind ON notes (project, kind, seq);

CREATE TABLE occurrences (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project TEXT NOT NULL REFERENCES projects (project) ON DELETE RESTRICT,
  occurrence_id TEXT NOT NULL,
  name TEXT NOT NULL,
  note_name TEXT NOT NULL,
  note_project TEXT NOT NULL,
  note_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  resource_uri TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  data TEXT NOT NULL CHECK (json_valid(data)),
  UNIQUE (project, occurrence_id),
  FOREIGN KEY (note_project, note_id) REFERENCES notes (project, note_id) ON DELETE RESTRICT
) STRICT;

CREATE INDEX occurrences_by_project ON occurrences (project, seq);
CREATE INDEX occurrences_by_resource ON occurrences (project, resource_uri, seq);
CREATE INDEX occurrences_by_kind ON occurrences (project, kind, seq);
CREATE INDEX occurrences_by_note_name ON occurrences (project, note_name, seq);
-- ListNoteOccurrences (across projects), and the check behind ON DELETE RESTRICT.
CREATE INDEX occurrences_by_note ON occurrences (note_project, note_id, seq);
`;

/**
 * Planner statistics, written by hand as SQLite documents for steering the
 * query planner ("Manual Control Of Query Plans Using SQLITE_STAT Tables").
 *
 * Without statistics SQLite cannot tell that a resource URI is far more
 * selective than a kind, and answers `kind = "ATTESTATION" AND resourceUrl =
 * "…"` (what Kritis sends on every admission) by scanning all of a project's
 * attestations. These figures describe a large deployment (a million
 * occurrences, a few per image, thousands per kind) so that the most selective
 * index wins. A real `ANALYZE` replaces them with measured figures, which is
 * fine; `ANALYZE projects` is only here because it creates `sqlite_stat1`
 * (which CREATE TABLE may not) without scanning the big tables.
 * Each row: rows in the index, then the average number of rows sharing its
 * first 1, 2, … columns.
 */
const plannerStatistics = `
ANALYZE projects;
DELETE FROM sqlite_stat1 WHERE tbl IN ('projects', 'notes', 'occurrences');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('projects', 'sqlite_autoindex_projects_1', '1000 1'),
  ('notes', 'sqlite_autoindex_notes_1', '100000 1000 1'),
  ('notes', 'notes_by_project', '100000 1000 1'),
  ('notes', 'notes_by_kind', '100000 1000 200 1'),
  ('occurrences', 'sqlite_autoindex_occurrences_1', '1000000 100000 1'),
  ('occurrences', 'occurrences_by_project', '1000000 100000 1'),
  ('occurrences', 'occurrences_by_resource', '1000000 100000 5 1'),
  ('occurrences', 'occurrences_by_kind', '1000000 100000 20000 1'),
  ('occurrences', 'occurrences_by_note_name', '1000000 100000 1000 1'),
  ('occurrences', 'occurrences_by_note', '1000000 1000 1000 1');
-- Makes this connection load the figures now; later connections load them on open.
ANALYZE sqlite_schema;
`;

/** Every migration, in order. */
export const migrations: readonly Migration[] = [
  { version: 1, description: "projects, notes and occurrences", sql: initialSchema },
  { version: 2, description: "planner statistics for a large deployment", sql: plannerStatistics },
];

/** The newest schema version this code knows. */
export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
