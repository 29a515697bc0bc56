/**
 * @module bench/lib/sqlite-seed
 *
 * Fills a SQLite store file with a million occurrences in about a minute.
 *
 * Rows are made by GrafeasService.batchCreateOccurrences itself (validation,
 * server-set name, kind and times, UUIDv4 IDs, grafeas/rows.ts derivation):
 * the service is given a store whose only job is to hand over the rows it is
 * asked to write. Only the write differs from the server's: the same INSERT
 * into the same schema, but on a connection with `synchronous=OFF`, a large
 * page cache and a commit every 100,000 rows. Through the
 * SQLite store itself (synchronous FULL or NORMAL, 2 MB cache) a million rows
 * take many minutes here, almost all of it waiting for checkpoints to reach
 * the disk; durability is irrelevant while seeding, and the database that
 * results is the same. The notes and the schema are written through the real
 * store first, so migrations and planner statistics are exactly the server's.
 */
import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { create } from "@bufbuild/protobuf";
import { BatchCreateOccurrencesRequestSchema, type Occurrence } from "../../src/gen/grafeas/v1/grafeas_pb.js";
import type { OccurrenceRow, Store, StoredRecord } from "../../src/store/store.js";

export type { StoredRecord } from "../../src/store/store.js";
import { benchProject, benchService, seedNotes, seedOccurrences, type SeedPlan } from "./workload.js";

/** The store's occurrence INSERT, column for column (see store/store.ts for the columns). */
const insertOccurrence = `INSERT INTO occurrences
  (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, data)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const rowsPerCommit = 100_000;

/**
 * Creates the schema, the provider project's notes and the (empty) customer
 * project through the real SQLite store.
 */
export async function createSeededStoreFile(path: string): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    await seedNotes(benchService(store));
    await store.createProject(benchProject);
  } finally {
    await store.close();
  }
}

/**
 * A Store that accepts only batchCreateOccurrences and writes the rows with
 * `write`; the service needs nothing else to create occurrences.
 */
export function rowSink(write: (rows: readonly OccurrenceRow[]) => void): Store {
  const sink: Pick<Store, "kind" | "batchCreateOccurrences"> = {
    kind: "bench-seed",
    batchCreateOccurrences(_project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
      write(rows);
      return Promise.resolve(rows.map((row) => ({ name: row.name, json: row.json })));
    },
  };
  return new Proxy(sink as Store, {
    get(target, property, receiver) {
      if (property in target) return Reflect.get(target, property, receiver) as unknown;
      throw new Error(`the seeding store does not implement ${String(property)}`);
    },
  });
}

/** Adds the occurrences of `plan` to a file made by {@link createSeededStoreFile}; returns their names. */
export async function seedOccurrenceRows(path: string, plan: SeedPlan): Promise<string[]> {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -1048576");
    db.pragma("foreign_keys = ON");
    const insert = db.prepare(insertOccurrence);
    // Random resources dirty index pages all over the file; committing every
    // 1000 rows would write each of those pages again and again.
    let uncommitted = 0;
    db.exec("BEGIN IMMEDIATE");
    const write = (rows: readonly OccurrenceRow[]) => {
      for (const r of rows) {
        insert.run(r.project, r.occurrenceId, r.name, r.noteName, r.noteProject, r.noteId, r.kind, r.resourceUri, r.createTime, r.updateTime, r.json);
      }
      uncommitted += rows.length;
      if (uncommitted >= rowsPerCommit) {
        db.exec("COMMIT");
        db.exec("BEGIN IMMEDIATE");
        uncommitted = 0;
      }
    };
    try {
      const names = await seedOccurrences(benchService(rowSink(write)), plan);
      db.exec("COMMIT");
      db.pragma("wal_checkpoint(TRUNCATE)");
      return names;
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  } finally {
    db.close();
  }
}

/** The rows BatchCreateOccurrences would write for `occurrences` (fresh IDs and times), without writing them. */
export async function occurrenceRowsOf(occurrences: readonly Occurrence[]): Promise<OccurrenceRow[]> {
  let captured: OccurrenceRow[] = [];
  const service = benchService(rowSink((rows) => (captured = [...rows])));
  await service.batchCreateOccurrences(
    create(BatchCreateOccurrencesRequestSchema, { parent: `projects/${benchProject}`, occurrences: [...occurrences] }),
    {},
  );
  return captured;
}

/** Every stored occurrence (name and canonical JSON), read back with raw SQL. */
export function readStoredOccurrences(path: string): StoredRecord[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name, data AS json FROM occurrences ORDER BY seq").all() as StoredRecord[];
  } finally {
    db.close();
  }
}

/** Occurrences stored for the single-object figures (GET over REST and gRPC). */
export const smallStoreOccurrences = 10_000;

/** A store file with the notes and 10,000 occurrences (ten per image); returns them as stored. */
export async function seedSmallStore(path: string, log: (message: string) => void): Promise<StoredRecord[]> {
  const started = performance.now();
  await createSeededStoreFile(path);
  await seedOccurrenceRows(path, { from: 0, to: smallStoreOccurrences, resourceOf: (n) => Math.floor(n / 10) });
  log(`  seeded ${smallStoreOccurrences} occurrences in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return readStoredOccurrences(path);
}
