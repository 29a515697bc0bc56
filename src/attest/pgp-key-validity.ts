/**
 * @module attest/pgp-key-validity
 *
 * Whether a trusted PGP key, and the (sub)key of it that made a signature,
 * may be relied on. Two questions, both answered by openpgp.js from the key's
 * own self-signatures, subkey bindings and revocations:
 *
 * - **now** ({@link pgpKeyProblemNow}): the primary key is not revoked, not
 *   created in the future and not expired, and the signing (sub)key is not
 *   revoked, still bound and not expired, and on the algorithm allow-list (an
 *   admission decision made today relies on the key today; openpgp.js alone
 *   judges keys at the signature's creation time);
 * - **when it signed** ({@link pgpSigningKeyProblemAt}): the (sub)key existed
 *   and was a valid signing key at the signature's creation time (openpgp.js's
 *   `getSigningKey`: binding signature, signing flag, the subkey's
 *   back-signature, neither expired nor revoked then).
 *
 * What does not depend on time (which key packet a fingerprint names, whether
 * its algorithm is allowed) is worked out once per key, when the trusted keys
 * are parsed. The time-dependent answers are memoised per key: OpenPGP
 * timestamps are whole seconds and openpgp.js truncates the dates it compares
 * to seconds, so for a parsed key (which nothing here changes) each answer is
 * a function of the second asked about. The "now" answers are kept for the
 * current second, the signing-time answers per (subkey, creation second) in a
 * bounded map: a burst of verifications pays for the key checks once, not
 * once per signature, and a verification made in another second asks again.
 */
import type { PublicKey, PublicKeyPacket, PublicSubkeyPacket, SecretKeyPacket, SecretSubkeyPacket, SignaturePacket, Subkey } from "openpgp";
import { type AttestationFailure, failure } from "./errors.js";
import { pgpAlgorithmProblem } from "./pgp-algorithms.js";

/** A key packet signatures are verified with: the primary key's or a subkey's. */
export type PgpKeyPacket = PublicKeyPacket | PublicSubkeyPacket | SecretKeyPacket | SecretSubkeyPacket;

/** One (sub)key of a trusted key, as a signature's issuer fingerprint names it. */
export interface PgpSigningKey {
  /** Uppercase hex. */
  readonly fingerprint: string;
  readonly keyPacket: PgpKeyPacket;
  /** Undefined for the primary key. */
  readonly subkey: Subkey | undefined;
  /** Why this (sub)key's algorithm may not sign, independent of time. */
  readonly algorithmProblem: AttestationFailure | undefined;
}

interface KeyValidity {
  readonly primaryFingerprint: string;
  readonly keys: ReadonlyMap<string, PgpSigningKey>;
  /** The second the `now` answers were given for. */
  nowSecond: number;
  now: Map<string, Promise<AttestationFailure | undefined>>;
  /** `fingerprint@second` → why the key could not sign then (undefined: it could). */
  readonly signedAt: Map<string, Promise<string | undefined>>;
}

/** Enough for the signing times of a large batch of attestations; past it, start over. */
const signedAtLimit = 1024;

const validity = new WeakMap<PublicKey, KeyValidity>();

/** The allow-list's verdict; a key openpgp.js cannot even name the algorithm of may not sign either. */
function algorithmProblemOf(key: PublicKey | Subkey, what: string): AttestationFailure | undefined {
  try {
    return pgpAlgorithmProblem(key.getAlgorithmInfo(), what);
  } catch {
    return failure("ALGORITHM_NOT_ALLOWED", `${what} uses an algorithm openpgp.js does not know`);
  }
}

function validityOf(publicKey: PublicKey): KeyValidity {
  let known = validity.get(publicKey);
  if (known === undefined) {
    const primaryFingerprint = publicKey.getFingerprint().toUpperCase();
    const keys = new Map<string, PgpSigningKey>();
    keys.set(primaryFingerprint, {
      fingerprint: primaryFingerprint,
      keyPacket: publicKey.keyPacket,
      subkey: undefined,
      algorithmProblem: algorithmProblemOf(publicKey, `key ${primaryFingerprint}`),
    });
    for (const subkey of publicKey.subkeys) {
      const fingerprint = subkey.getFingerprint().toUpperCase();
      if (keys.has(fingerprint)) continue;
      keys.set(fingerprint, {
        fingerprint,
        keyPacket: subkey.keyPacket,
        subkey,
        algorithmProblem: algorithmProblemOf(subkey, `subkey ${fingerprint} of ${primaryFingerprint}`),
      });
    }
    known = { primaryFingerprint, keys, nowSecond: Number.NaN, now: new Map(), signedAt: new Map() };
    validity.set(publicKey, known);
  }
  return known;
}

/** Works out the time-independent facts of a key; called when the trusted keys are parsed. */
export function preparePgpKeyValidity(publicKey: PublicKey): void {
  validityOf(publicKey);
}

/** The primary key or subkey with this fingerprint (uppercase), if the key has one. */
export function pgpSigningKey(publicKey: PublicKey, fingerprint: string): PgpSigningKey | undefined {
  return validityOf(publicKey).keys.get(fingerprint);
}

const secondOf = (date: Date) => Math.floor(date.getTime() / 1000);

async function safely<T>(probe: () => Promise<T>): Promise<T | Error> {
  try {
    return await probe();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 200);
}

/** Why the primary key, or its (sub)key with this fingerprint, may not be relied on at `now`. */
export function pgpKeyProblemNow(
  publicKey: PublicKey,
  signingFingerprint: string,
  now: Date,
): Promise<AttestationFailure | undefined> {
  const known = validityOf(publicKey);
  const second = secondOf(now);
  if (known.nowSecond !== second) {
    known.nowSecond = second;
    known.now = new Map();
  }
  let answer = known.now.get(signingFingerprint);
  if (answer === undefined) {
    answer = keyProblem(publicKey, known, signingFingerprint, now);
    known.now.set(signingFingerprint, answer);
  }
  return answer;
}

async function keyProblem(
  publicKey: PublicKey,
  known: KeyValidity,
  signingFingerprint: string,
  now: Date,
): Promise<AttestationFailure | undefined> {
  const primary = known.primaryFingerprint;
  if ((await safely(() => publicKey.isRevoked(undefined, undefined, now))) === true) {
    return failure("KEY_REVOKED", `key ${primary} is revoked`);
  }
  if (publicKey.getCreationTime() > now) {
    return failure("KEY_EXPIRED", `key ${primary} is not valid before ${publicKey.getCreationTime().toISOString()}`);
  }
  const expiry = await safely(() => publicKey.getExpirationTime());
  if (expiry === null || expiry instanceof Error) {
    return failure("KEY_MALFORMED", `key ${primary} has no valid self-signature`);
  }
  if (expiry instanceof Date && expiry <= now) {
    return failure("KEY_EXPIRED", `key ${primary} expired at ${expiry.toISOString()}`);
  }
  const signing = known.keys.get(signingFingerprint);
  if (signing === undefined) return failure("KEY_UNKNOWN", `key ${primary} has no subkey ${signingFingerprint}`);
  const subkey = signing.subkey;
  if (subkey === undefined) return signing.algorithmProblem;
  // Subkey.isRevoked reads its own revocation signatures; the signature argument is optional in practice.
  const revoked = await safely(() => subkey.isRevoked(null as unknown as SignaturePacket, undefined as never, now));
  if (revoked === true) return failure("KEY_REVOKED", `subkey ${signingFingerprint} of ${primary} is revoked`);
  const subkeyExpiry = await safely(() => subkey.getExpirationTime(now));
  if (subkeyExpiry === null || subkeyExpiry instanceof Error) {
    return failure("KEY_EXPIRED", `subkey ${signingFingerprint} of ${primary} has no binding valid now`);
  }
  if (subkeyExpiry instanceof Date && subkeyExpiry <= now) {
    return failure("KEY_EXPIRED", `subkey ${signingFingerprint} of ${primary} expired at ${subkeyExpiry.toISOString()}`);
  }
  return signing.algorithmProblem;
}

/**
 * Why the (sub)key with this fingerprint could not make a signature created
 * at `created` (it did not exist yet, was no valid signing key then), or
 * undefined when it could. What openpgp.js's `verify` checks after the
 * signature itself.
 */
export function pgpSigningKeyProblemAt(
  publicKey: PublicKey,
  signingFingerprint: string,
  created: Date,
): Promise<string | undefined> {
  const known = validityOf(publicKey);
  const key = `${signingFingerprint}@${secondOf(created)}`;
  let answer = known.signedAt.get(key);
  if (answer === undefined) {
    if (known.signedAt.size >= signedAtLimit) known.signedAt.clear();
    answer = signingProblem(publicKey, known, signingFingerprint, created);
    known.signedAt.set(key, answer);
  }
  return answer;
}

async function signingProblem(
  publicKey: PublicKey,
  known: KeyValidity,
  signingFingerprint: string,
  created: Date,
): Promise<string | undefined> {
  const signing = known.keys.get(signingFingerprint);
  if (signing === undefined) return `key ${known.primaryFingerprint} has no subkey ${signingFingerprint}`;
  if (signing.keyPacket.created > created) return `key ${signingFingerprint} is newer than the signature`;
  try {
    const chosen = await publicKey.getSigningKey(signing.keyPacket.getKeyID(), created);
    // Two (sub)keys of one certificate could share a 64-bit key id; the one openpgp.js vouches for must be the signer.
    if (chosen.getFingerprint().toUpperCase() !== signingFingerprint) {
      return `key ${signingFingerprint} was not a valid signing key when the signature was made`;
    }
    return undefined;
  } catch (error) {
    return firstLine(error);
  }
}
