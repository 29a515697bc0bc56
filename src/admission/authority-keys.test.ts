import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { authorityYaml, ecKeyPair, gapYaml, policySet } from "./__fixtures__/admission-world.js";
import { AuthorityKeyring } from "./authority-keys.js";

const keyA = ecKeyPair();
const keyB = ecKeyPair();

function authority(keys: ReturnType<typeof ecKeyPair>[]) {
  const set = policySet(authorityYaml("qa", "prod", "projects/signing/notes/qa", keys.map((pkix) => ({ pkix }))), gapYaml("g", "prod", ["qa"]));
  const found = set.namespaces.get("prod")?.attestationAuthorities[0];
  assert.ok(found);
  return found;
}

describe("AuthorityKeyring", () => {
  test("an authority read again with the same keys reuses the keys parsed before", async () => {
    const keyring = new AuthorityKeyring();
    const first = authority([keyA]);
    const again = authority([keyA]);
    assert.notEqual(first, again, "two objects, as after a policy set is rebuilt");
    assert.equal(await keyring.keysOf(again), await keyring.keysOf(first));
    assert.equal(keyring.size, 1);
  });

  test("a rotated key set is parsed afresh", async () => {
    const keyring = new AuthorityKeyring();
    const before = await keyring.keysOf(authority([keyA]));
    const after = await keyring.keysOf(authority([keyA, keyB]));
    assert.notEqual(after, before);
    assert.equal(before.keys.length, 1);
    assert.equal(after.keys.length, 2);
  });

  test("keeps at most maxEntries key sets", async () => {
    const keyring = new AuthorityKeyring({ maxEntries: 1 });
    await keyring.keysOf(authority([keyA]));
    await keyring.keysOf(authority([keyB]));
    assert.equal(keyring.size, 1);
  });
});
