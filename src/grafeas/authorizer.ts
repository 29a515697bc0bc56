/**
 * @module grafeas/authorizer
 *
 * The "authorize" step of every Grafeas call. The permission names are
 * Grafeas' own (go/v1/api/grafeas.go), so an IAM-like backend can be plugged
 * in without touching the service. A refusal is PERMISSION_DENIED and happens
 * before validation and before the store is touched.
 */
import type { CallContext } from "../wire/rpc.js";

export type Permission =
  | "projects.create"
  | "projects.get"
  | "projects.list"
  | "projects.delete"
  | "notes.get"
  | "notes.list"
  | "notes.create"
  | "notes.update"
  | "notes.delete"
  | "notes.attachOccurrence"
  | "notes.listOccurrences"
  | "occurrences.get"
  | "occurrences.list"
  | "occurrences.create"
  | "occurrences.update"
  | "occurrences.delete";

export interface Authorizer {
  /**
   * Resolves if `context` may use `permission` in `project` (undefined for
   * project-less calls such as ListProjects); rejects with PERMISSION_DENIED.
   */
  check(context: CallContext, project: string | undefined, permission: Permission): Promise<void>;
}

/** Scriba's default, like upstream Grafeas: no authorization beyond network access. */
export const allowAll: Authorizer = {
  check: () => Promise.resolve(),
};
