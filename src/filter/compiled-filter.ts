/**
 * @module filter/compiled-filter
 *
 * What a parsed, type-checked AIP-160 filter offers the stores. One parser
 * produces it; the SQL stores push it down as a parameterized WHERE fragment,
 * the memory store evaluates it as a predicate. Both must agree on every input.
 */

export type SqlDialect = "sqlite" | "postgres";

/** The resource a filter applies to; it decides the vocabulary and the columns. */
export type FilterResource = "project" | "note" | "occurrence";

export interface SqlFragment {
  /** A boolean SQL expression over the table's columns (see `store/store.ts`). */
  readonly sql: string;
  /** Values for the placeholders, in order. */
  readonly params: readonly (string | number)[];
}

export interface CompiledFilter {
  /** The filter as the client wrote it. */
  readonly text: string;
  readonly resource: FilterResource;
  /**
   * The filter as SQL. SQLite placeholders are `?`; PostgreSQL placeholders are
   * `$n`, numbered from `firstParam` so the fragment can join a larger query.
   */
  toSql(dialect: SqlDialect, firstParam?: number): SqlFragment;
  /** Evaluates the filter against the parsed canonical proto3 JSON of one object. */
  matches(data: unknown): boolean;
}
