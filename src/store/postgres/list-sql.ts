/**
 * @module store/postgres/list-sql
 *
 * The SQL of every list query: a scope (the project, or the note), the
 * keyset condition `seq > $n`, the compiled filter as a parenthesised
 * fragment whose `$n` placeholders continue the query's numbering,
 * `ORDER BY seq` and `LIMIT pageSize + 1` (the extra row tells that another
 * page exists). Values are always parameters; the SQL text varies only with
 * the filter's shape.
 */
import type { FilterResource } from "../../filter/compiled-filter.js";
import { cursorAfter, filterFor } from "../list-query.js";
import type { ListQuery } from "../store.js";
import { quoteIdentifier } from "./schema.js";

export interface SqlQuery {
  readonly text: string;
  readonly values: readonly (string | number)[];
}

interface ListTarget {
  readonly table: "projects" | "notes" | "occurrences";
  readonly resource: FilterResource;
  /** Equalities on indexed columns; absent for projects. */
  readonly scope?: readonly { column: string; value: string }[];
}

/** Validates the page token and filter, then builds the query. */
function listSql(schema: string, target: ListTarget, query: ListQuery): SqlQuery {
  const after = cursorAfter(query);
  const values: (string | number)[] = [];
  const placeholder = (value: string | number, type: string) => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  const conditions = (target.scope ?? []).map(({ column, value }) => `${column} = ${placeholder(value, "text")}`);
  conditions.push(`seq > ${placeholder(after, "bigint")}`);
  const fragment = filterFor(query, target.resource)?.toSql("postgres", values.length + 1);
  if (fragment !== undefined) {
    conditions.push(`(${fragment.sql})`);
    values.push(...fragment.params);
  }
  const limit = placeholder(query.pageSize + 1, "integer");
  const columns = target.table === "projects" ? "seq, project" : "seq, name, json_text";
  return {
    text: `SELECT ${columns} FROM ${quoteIdentifier(schema)}.${target.table} WHERE ${conditions.join(" AND ")} ORDER BY seq LIMIT ${limit}`,
    values,
  };
}

export const projectListSql = (schema: string, query: ListQuery) =>
  listSql(schema, { table: "projects", resource: "project" }, query);

export const noteListSql = (schema: string, project: string, query: ListQuery) =>
  listSql(schema, { table: "notes", resource: "note", scope: [{ column: "project", value: project }] }, query);

export const occurrenceListSql = (schema: string, project: string, query: ListQuery) =>
  listSql(
    schema,
    { table: "occurrences", resource: "occurrence", scope: [{ column: "project", value: project }] },
    query,
  );

export const noteOccurrenceListSql = (schema: string, noteProject: string, noteId: string, query: ListQuery) =>
  listSql(
    schema,
    {
      table: "occurrences",
      resource: "occurrence",
      scope: [
        { column: "note_project", value: noteProject },
        { column: "note_id", value: noteId },
      ],
    },
    query,
  );
