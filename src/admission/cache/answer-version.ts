/**
 * @module admission/cache/answer-version
 *
 * The "metadata version" of one answer of the metadata server (the
 * occurrences of a note for an image): a SHA-256 of the occurrences exactly
 * as they were served, in the order served. Two answers with the same
 * version hold the same occurrences, byte for byte once serialised, so a
 * verification of one is a verification of the other: this is what lets the
 * verification cache be keyed by content rather than trust a clock or an
 * `updateTime` that some Grafeas servers never set.
 *
 * The hash of a given answer object is computed once and remembered for as
 * long as the object lives (answers held by the answer cache are the same
 * object on every hit), so a warm review pays nothing for it.
 */
import { createHash } from "node:crypto";

const versions = new WeakMap<readonly unknown[], string>();

/** The version of an answer (see the module comment). */
export function answerVersion(occurrences: readonly unknown[]): string {
  let version = versions.get(occurrences);
  if (version === undefined) {
    version = createHash("sha256").update(JSON.stringify(occurrences)).digest("base64url");
    versions.set(occurrences, version);
  }
  return version;
}
