/**
 * @module store/sqlite/list-sql
 *
 * The SQL of every list query: a scope (the project, or the note), the
 * keyset condition `seq > ?`, the compiled filter as a parenthesised
 * fragment, `ORDER BY seq` and `LIMIT pageSize + 1` (the extra row tells that
 * another page exists). Values are always parameters; the SQL text varies
 * only with the filter's shape, which keeps the statement cache small.
 */
import type { FilterResource } from "../../filter/compiled-filter.js";
import { cursorAfter, filterFor } from "../list-query.js";
import type { ListQuery } from "../store.js";

export interface SqlQuery {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

interface ListTarget {
  readonly table: "projects" | "notes" | "occurrences";
  readonly resource: FilterResource;
  /** Equalities on indexed columns, with `?` placeholders; absent for projects. */
  readonly scope?: string;
  readonly scopeParams?: readonly string[];
}

/** Validates the page token and filter, then builds the query. */
function listSql(target: ListTarget, query: ListQuery): SqlQuery {
  const after = cursorAfter(query);
  const fragment = filterFor(query, target.resource)?.toSql("sqlite");
  const conditions = [
    ...(target.scope === undefined ? [] : [target.scope]),
    "seq > ?",
    ...(fragment === undefined ? [] : [`(${fragment.sql})`]),
  ];
  const columns = target.table === "projects" ? "seq, project" : "seq, name, data";
  return {
    sql: `SELECT ${columns} FROM ${target.table} WHERE ${conditions.join(" AND ")} ORDER BY seq LIMIT ?`,
    params: [...(target.scopeParams ?? []), after, ...(fragment?.params ?? []), query.pageSize + 1],
  };
}

export const projectListSql = (query: ListQuery) =>
  listSql({ table: "projects", resource: "project" }, query);

export const noteListSql = (project: string, query: ListQuery) =>
  listSql({ table: "notes", resource: "note", scope: "project = ?", scopeParams: [project] }, query);

export const occurrenceListSql = (project: string, query: ListQuery) =>
  listSql(
    { table: "occurrences", resource: "occurrence", scope: "project = ?", scopeParams: [project] },
    query,
  );

export const noteOccurrenceListSql = (noteProject: string, noteId: string, query: ListQuery) =>
  listSql(
    {
      table: "occurrences",
      resource: "occurrence",
      scope: "note_project = ? AND note_id = ?",
      scopeParams: [noteProject, noteId],
    },
    query,
  );
