import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import { AttestationError, attestationFailureCodes, failure, messageOf } from "./errors.js";

describe("attestation failure codes", () => {
  test("every code has its own short fixed message", () => {
    const messages = attestationFailureCodes.map(messageOf);
    assert.equal(new Set(messages).size, attestationFailureCodes.length);
    for (const message of messages) assert.ok(message.length > 0 && message.length < 60, message);
  });

  test("a failure keeps the fixed message apart from the detail", () => {
    assert.deepEqual(failure("DIGEST_MISMATCH", "signed for sha256:1"), {
      code: "DIGEST_MISMATCH",
      message: "the signed payload names another image digest",
      detail: "signed for sha256:1",
    });
  });

  test("a thrown AttestationError is a ScribaError with a client status, never INTERNAL", () => {
    for (const reason of attestationFailureCodes) {
      const error = new AttestationError(reason, "detail");
      assert.ok(error instanceof ScribaError);
      assert.notEqual(error.code, "INTERNAL");
      assert.equal(error.reason, reason);
      assert.equal(ScribaError.from(error), error);
    }
    const weak = new AttestationError("KEY_TOO_WEAK", "RSA-1024");
    assert.equal(weak.code, "INVALID_ARGUMENT");
    assert.equal(weak.message, "the key is too weak: RSA-1024");
    assert.deepEqual(weak.failure, failure("KEY_TOO_WEAK", "RSA-1024"));
  });
});
