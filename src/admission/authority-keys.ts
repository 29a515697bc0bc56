/**
 * @module admission/authority-keys
 *
 * The trusted keys of each AttestationAuthority, parsed once (an armored PGP
 * key costs about half a millisecond to read) and reused by every review. The
 * cache is keyed by the authority's fingerprint (./cache/authority-fingerprint.ts:
 * its name, note and keys), not by the object: a policy set rebuilt after an
 * unrelated change, or an authority re-applied unchanged, reuses the parsed
 * keys, while a rotated key is parsed afresh. At most `maxEntries` key sets
 * are kept (least recently used first out).
 *
 * A key the verifier cannot use (a PGP key whose declared `keyId` names
 * another key, an algorithm off the allow-list) is left out and remembered as
 * a problem; the authority's other keys still verify. If no attestation
 * verifies, those problems are part of the denial, so a broken key is never
 * a silent "not attested".
 */
import type { TrustedKey, TrustedKeyInput } from "../attest/index.js";
import { AttestationError, parseTrustedKey } from "../attest/index.js";
import type { AttestationAuthority, AuthorityPublicKey } from "../policy/crds/attestation-authority.js";
import type { SignatureFailure } from "../policy/decision.js";
import { authorityFingerprint } from "./cache/authority-fingerprint.js";
import { LruTtlCache } from "./cache/lru-ttl-cache.js";

export interface AuthorityKeys {
  readonly keys: readonly TrustedKey[];
  /** One per key that cannot be used. */
  readonly problems: readonly SignatureFailure[];
}

function inputOf(key: AuthorityPublicKey): TrustedKeyInput {
  return key.keyType === "PGP"
    ? { kind: "pgp", armoredPublicKey: key.armoredKey, id: key.keyId }
    : { kind: "pkix", publicKeyPem: key.publicKeyPem, signatureAlgorithm: key.signatureAlgorithm, id: key.keyId };
}

async function parseKeys(authority: AttestationAuthority): Promise<AuthorityKeys> {
  const keys: TrustedKey[] = [];
  const problems: SignatureFailure[] = [];
  await Promise.all(
    authority.publicKeys.map(async (key, index) => {
      try {
        keys[index] = await parseTrustedKey(inputOf(key));
      } catch (error) {
        const failure = error instanceof AttestationError ? error.failure : undefined;
        problems.push({
          authority: authority.name,
          code: failure?.code ?? "KEY_MALFORMED",
          message: `spec.publicKeys[${index}] cannot be used: ${failure?.detail ?? "the key cannot be read"}`,
          keyId: key.keyId,
        });
      }
    }),
  );
  return { keys: keys.filter((k) => k !== undefined), problems };
}

/** Parses and caches the trusted keys of authorities. */
export class AuthorityKeyring {
  readonly #cache: LruTtlCache<Promise<AuthorityKeys>>;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#cache = new LruTtlCache({ maxEntries: options.maxEntries ?? 1000 });
  }

  keysOf(authority: AttestationAuthority): Promise<AuthorityKeys> {
    const key = authorityFingerprint(authority);
    let entry = this.#cache.peek(key);
    if (entry === undefined) {
      entry = parseKeys(authority);
      this.#cache.set(key, entry, Infinity);
    }
    return entry;
  }

  /** How many parsed key sets are kept. */
  get size(): number {
    return this.#cache.size;
  }
}
