/**
 * @module store/postgres/schema
 *
 * The PostgreSQL schema, as numbered migrations. A migration, once released,
 * is never edited: change the schema by appending a new one. Each is SQL for
 * one schema (Scriba's tables may live in any schema of a shared database), so
 * it is a function of the schema's quoted name, which is checked against a
 * strict identifier pattern before it gets here.
 *
 * Design:
 * - `seq BIGINT GENERATED ALWAYS AS IDENTITY` is the insertion order and the
 *   pagination key. Sequence values are never reused, so a page token never
 *   points at a number a later row could take.
 * - `json_text` holds the canonical proto3 JSON exactly as the service wrote
 *   it (that text is what a read returns); `data` is the same document as
 *   jsonb, generated from it, for filters. jsonb reorders keys and drops
 *   whitespace, so it cannot be handed back as the record itself, and a
 *   generated column cannot drift from the text.
 * - Every text column is `COLLATE "C"`: filters compare strings by code point
 *   with `COLLATE "C"`, and a btree index serves a range (a `prefix*`
 *   wildcard) only when its collation is the comparison's.
 * - Constraints are named, so the store can tell which one a violation hit.
 *   An occurrence references its note, possibly in another project, with ON
 *   DELETE RESTRICT: deleting a note in use fails atomically in the database,
 *   whichever replica asks.
 * - Every list reads `WHERE <equalities> AND seq > $n ORDER BY seq LIMIT $m`;
 *   each index ends in `seq`, so a filtered page is an index range read in
 *   order that stops after pageSize + 1 rows. The common occurrence filters
 *   (resource, kind, note) each have one; `occurrences_by_note` also serves
 *   the RESTRICT check when a note is deleted.
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  /** The statements, for the schema whose quoted identifier is `schema`. */
  sql(schema: string): string;
}

const initialSchema = (s: string) => `
CREATE TABLE ${s}.projects (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  CONSTRAINT projects_project_key UNIQUE (project)
);

CREATE TABLE ${s}.notes (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project TEXT COLLATE "C" NOT NULL,
  note_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  json_text TEXT NOT NULL,
  data JSONB NOT NULL GENERATED ALWAYS AS (json_text::jsonb) STORED,
  CONSTRAINT notes_project_note_id_key UNIQUE (project, note_id),
  CONSTRAINT notes_project_fkey FOREIGN KEY (project)
    REFERENCES ${s}.projects (project) ON DELETE RESTRICT
);

CREATE INDEX notes_by_project ON ${s}.notes (project, seq);
CREATE INDEX notes_by_kind ON ${s}.notes (project, kind, seq);

CREATE TABLE ${s}.occurrences (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project TEXT COLLATE "C" NOT NULL,
  occurrence_id TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  note_name TEXT COLLATE "C" NOT NULL,
  note_project TEXT COLLATE "C" NOT NULL,
  note_id TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  resource_uri TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL,
  json_text TEXT NOT NULL,
  data JSONB NOT NULL GENERATED ALWAYS AS (json_text::jsonb) STORED,
  CONSTRAINT occurrences_project_occurrence_id_key UNIQUE (project, occurrence_id),
  CONSTRAINT occurrences_project_fkey FOREIGN KEY (project)
    REFERENCES ${s}.projects (project) ON DELETE RESTRICT,
  CONSTRAINT occurrences_note_fkey FOREIGN KEY (note_project, note_id)
    REFERENCES ${s}.notes (project, note_id) ON DELETE RESTRICT
);

CREATE INDEX occurrences_by_project ON ${s}.occurrences (project, seq);
CREATE INDEX occurrences_by_resource ON ${s}.occurrences (project, resource_uri, seq);
CREATE INDEX occurrences_by_kind ON ${s}.occurrences (project, kind, seq);
CREATE INDEX occurrences_by_note_name ON ${s}.occurrences (project, note_name, seq);
-- ListNoteOccurrences (across projects), and the check behind ON DELETE RESTRICT.
CREATE INDEX occurrences_by_note ON ${s}.occurrences (note_project, note_id, seq);
`;

/** Every migration, in order. */
export const migrations: readonly Migration[] = [
  { version: 1, description: "projects, notes and occurrences", sql: initialSchema },
];

/** The newest schema version this code knows. */
export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);

/** A schema name as a quoted SQL identifier; the name was checked to be a plain lower-case identifier. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`refusing to quote identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}
