/**
 * @module test/support/scriba-rejection
 *
 * The ScribaError a call rejects with, for tests that then check its code and
 * message; fails the test when the call succeeds or rejects with anything else.
 */
import assert from "node:assert/strict";
import { ScribaError } from "../../src/errors.js";

export async function scribaRejection(promise: Promise<unknown>): Promise<ScribaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ScribaError, String(error));
    return error;
  }
  assert.fail("expected a rejection");
}
