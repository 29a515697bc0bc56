/**
 * @module store/list-query
 *
 * What every adapter does the same way around a list: read the page token,
 * check that the filter was compiled for the listed resource, and cut a page.
 *
 * Lists are keyset-paginated on the insertion sequence: a page token is the
 * decimal sequence number of the last record handed out, and the next page
 * starts strictly after it. Unlike an offset, this stays correct when records
 * are inserted or deleted between pages: nothing is skipped or repeated, and
 * records inserted meanwhile appear on later pages because sequence numbers
 * only grow.
 */
import type { CompiledFilter, FilterResource } from "../filter/compiled-filter.js";
import { ScribaError } from "../errors.js";
import { projectName } from "../grafeas/resource-names.js";
import type { ListQuery, Page, StoredRecord } from "./store.js";
import { invalidCursor } from "./store-errors.js";

/** A record with its insertion sequence, as a list query reads it. */
export interface SequencedRecord extends StoredRecord {
  readonly seq: number;
}

const cursorPattern = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The sequence number after which the page starts; 0 for the first page. An
 * empty token means the first page, as in every Google API.
 */
export function cursorAfter(query: ListQuery): number {
  const cursor = query.cursor;
  if (cursor === undefined || cursor === "") return 0;
  if (!cursorPattern.test(cursor)) throw invalidCursor();
  const seq = Number(cursor);
  if (!Number.isSafeInteger(seq)) throw invalidCursor();
  return seq;
}

/**
 * The filter of a query, after checking it was compiled for `resource`; a
 * note filter run against occurrences would name the wrong columns.
 */
export function filterFor(query: ListQuery, resource: FilterResource): CompiledFilter | undefined {
  const filter = query.filter;
  if (filter !== undefined && filter.resource !== resource) {
    throw new ScribaError(
      "INTERNAL",
      `a ${filter.resource} filter was used to list ${resource}s`,
    );
  }
  return filter;
}

/**
 * Cuts a page from up to `pageSize + 1` records read in sequence order: the
 * extra record only tells that another page exists, so the last page never
 * carries a token.
 */
export function pageOf(records: readonly SequencedRecord[], pageSize: number): Page {
  const kept = records.slice(0, pageSize).map(({ name, json }) => ({ name, json }));
  const last = records[pageSize - 1];
  if (records.length <= pageSize || last === undefined) return { records: kept };
  return { records: kept, nextCursor: String(last.seq) };
}

/** A project as stored and returned: `grafeas.v1.project.Project` has only a name. */
export function projectRecord(project: string): StoredRecord {
  const name = projectName(project);
  return { name, json: JSON.stringify({ name }) };
}
