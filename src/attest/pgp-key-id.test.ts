import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePgpKeyId, pgpKeyIdMatches } from "./pgp-key-id.js";

const fingerprint = "74FAF3B861BDA0870C7B6DEF607E48D2A663AEEA";

describe("PGP key ids", () => {
  test("short ids, long ids, fingerprints and openpgp4fpr URIs all name the key", () => {
    for (const id of ["A663AEEA", "607E48D2A663AEEA", fingerprint, `openpgp4fpr:${fingerprint}`, "0xa663aeea", "74FA F3B8 61BD A087 0C7B  6DEF 607E 48D2 A663 AEEA"]) {
      const hint = parsePgpKeyId(id);
      assert.ok(hint, id);
      assert.equal(pgpKeyIdMatches(hint, fingerprint), true, id);
    }
  });

  test("a short id matches any fingerprint ending in it, but a fingerprint only itself", () => {
    const lookalike = `00000000000000000000000000000000${fingerprint.slice(-8)}`;
    assert.equal(pgpKeyIdMatches(parsePgpKeyId("A663AEEA")!, lookalike), true);
    assert.equal(pgpKeyIdMatches(parsePgpKeyId(fingerprint)!, lookalike), false);
  });

  test("text of the wrong length or alphabet is no key id", () => {
    for (const id of ["", "A663AEE", "ni:///sha-256;abc", "XYZ12345", `${fingerprint}00`]) {
      assert.equal(parsePgpKeyId(id), undefined, id);
    }
  });
});
