/**
 * @module grafeas/resource-names
 *
 * Parses and formats Grafeas resource names. Every RPC starts here: a name that
 * does not parse is INVALID_ARGUMENT with the expected form in the message.
 *
 * Scriba is not regional: `projects/P/locations/L/...` (the `locations/*`
 * HTTP bindings of grafeas.v1) names the same object as `projects/P/...`, and
 * the canonical, stored and returned form never carries the location.
 */
import { invalidArgument } from "../errors.js";

/** The characters an ID may use: enough for CVE IDs, UUIDs and DNS-like names; never `/`. */
const idPattern = /^[A-Za-z0-9_.~:@+-]{1,256}$/;

export interface NoteName {
  readonly project: string;
  readonly noteId: string;
}

export interface OccurrenceName {
  readonly project: string;
  readonly occurrenceId: string;
}

export function isValidId(id: string): boolean {
  return idPattern.test(id) && id !== "." && id !== "..";
}

function segmentsOf(name: string): string[] {
  const segments = name.split("/");
  // Drop the location pair: projects/P/locations/L/... ≡ projects/P/...
  if (segments.length >= 4 && segments[2] === "locations" && isValidId(segments[3] ?? "")) {
    segments.splice(2, 2);
  }
  return segments;
}

function requireId(id: string | undefined, what: string, form: string, name: string): string {
  if (id === undefined || !isValidId(id)) {
    throw invalidArgument(`${what} must be in the form "${form}", got ${JSON.stringify(name)}`);
  }
  return id;
}

const projectForm = "projects/[PROJECT_ID]";
const noteForm = "projects/[PROJECT_ID]/notes/[NOTE_ID]";
const occurrenceForm = "projects/[PROJECT_ID]/occurrences/[OCCURRENCE_ID]";

/** `projects/P` (or `projects/P/locations/L`) → `P`. */
export function parseProjectName(name: string, what = "project name"): string {
  const s = segmentsOf(name);
  if (s.length !== 2 || s[0] !== "projects") {
    throw invalidArgument(`${what} must be in the form "${projectForm}", got ${JSON.stringify(name)}`);
  }
  return requireId(s[1], what, projectForm, name);
}

export function parseNoteName(name: string, what = "note name"): NoteName {
  const s = segmentsOf(name);
  if (s.length !== 4 || s[0] !== "projects" || s[2] !== "notes") {
    throw invalidArgument(`${what} must be in the form "${noteForm}", got ${JSON.stringify(name)}`);
  }
  return {
    project: requireId(s[1], what, noteForm, name),
    noteId: requireId(s[3], what, noteForm, name),
  };
}

export function parseOccurrenceName(name: string, what = "occurrence name"): OccurrenceName {
  const s = segmentsOf(name);
  if (s.length !== 4 || s[0] !== "projects" || s[2] !== "occurrences") {
    throw invalidArgument(
      `${what} must be in the form "${occurrenceForm}", got ${JSON.stringify(name)}`,
    );
  }
  return {
    project: requireId(s[1], what, occurrenceForm, name),
    occurrenceId: requireId(s[3], what, occurrenceForm, name),
  };
}

export const projectName = (project: string) => `projects/${project}`;
export const noteName = (project: string, noteId: string) => `projects/${project}/notes/${noteId}`;
export const occurrenceName = (project: string, occurrenceId: string) =>
  `projects/${project}/occurrences/${occurrenceId}`;
