/**
 * @module admission/cache/authority-fingerprint
 *
 * What an AttestationAuthority contributes to a verification, as one short
 * string: its namespace and name (they appear in the failures a denial
 * lists), its `noteReference` (which occurrences count) and its public keys
 * (which signatures verify), in order. Two authority objects with the same
 * fingerprint verify every occurrence identically, so the fingerprint is
 * the cache key for their parsed keys and their verdicts: rotating a key, or
 * pointing the authority at another note, changes it and so invalidates
 * exactly that authority's entries, and nothing else's.
 *
 * Computed once per authority object (the policy watcher keeps unchanged
 * objects across rebuilds, so a warm review does not hash anything).
 */
import { createHash } from "node:crypto";
import type { AttestationAuthority } from "../../policy/crds/attestation-authority.js";

const fingerprints = new WeakMap<AttestationAuthority, string>();

export function authorityFingerprint(authority: AttestationAuthority): string {
  let fingerprint = fingerprints.get(authority);
  if (fingerprint === undefined) {
    const material = JSON.stringify([authority.namespace, authority.name, authority.noteReference, authority.publicKeys]);
    fingerprint = createHash("sha256").update(material).digest("base64url");
    fingerprints.set(authority, fingerprint);
  }
  return fingerprint;
}
