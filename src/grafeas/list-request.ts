/**
 * @module grafeas/list-request
 *
 * The shared part of every List RPC: page size, page token and filter, turned
 * into the store's ListQuery. Page sizes follow AIP-158: 0 means the default, a
 * negative size is INVALID_ARGUMENT, and a size above the maximum is lowered to
 * the maximum.
 */
import { invalidArgument } from "../errors.js";
import type { FilterResource } from "../filter/compiled-filter.js";
import { compileFilter } from "../filter/index.js";
import type { ListQuery } from "../store/store.js";
import type { PageTokens } from "./page-token.js";

export interface PageLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

export interface ListParameters {
  readonly filter: string;
  readonly pageSize: number;
  readonly pageToken: string;
}

export interface PreparedList {
  readonly query: ListQuery;
  /** Issues the token for the next page, or "" on the last page. */
  nextPageToken(cursor: string | undefined): string;
}

export function prepareList(
  method: string,
  parent: string,
  resource: FilterResource,
  request: ListParameters,
  limits: PageLimits,
  tokens: PageTokens,
): PreparedList {
  if (request.pageSize < 0) {
    throw invalidArgument(`page_size must not be negative, got ${request.pageSize}`);
  }
  const pageSize =
    request.pageSize === 0 ? limits.defaultPageSize : Math.min(request.pageSize, limits.maxPageSize);
  // Compiling first also validates the filter before any token check.
  const filter = compileFilter(request.filter, resource);
  const scope = `${method}\n${parent}\n${request.filter.trim()}`;
  const cursor = request.pageToken === "" ? undefined : tokens.open(scope, request.pageToken);
  return {
    query: { filter, pageSize, cursor },
    nextPageToken: (next) => (next === undefined ? "" : tokens.issue(scope, next)),
  };
}
