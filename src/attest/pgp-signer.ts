/**
 * @module attest/pgp-signer
 *
 * Signs bytes with an armored OpenPGP private key through openpgp.js, in
 * process: what the admission webhook needs for a key handed to it as data
 * (Kritis' `privateKeySecretName` Secret), where the `gpg` binary and a
 * keyring are not available. The CLI signs with the user's own gpg
 * (./gpg-signer.ts) instead.
 *
 * The key is read, and decrypted with its passphrase when it is protected,
 * once ({@link readPgpSigningKey}); each signature then costs one openpgp
 * `sign`. Signatures are armored attached messages (`gpg --armor --sign`, as
 * Kritis signed and `scriba sign --gpg-key` signs), hashed with SHA-256 or
 * stronger so the verifier's allow-list accepts them. The signer reports the
 * fingerprint of the (sub)key that signs, so a caller can check that key is
 * trusted before using it, and `openpgp4fpr:<primary fingerprint>` as the
 * grafeas.v1 `public_key_id`.
 *
 * Failures are SIGNING_KEY_UNKNOWN (unreadable key, wrong or missing
 * passphrase, no usable signing key) and SIGNING_FAILED; their details never
 * quote key material or the passphrase.
 */
import { type PrivateKey, createMessage, decryptKey, enums, readKey, readPrivateKey, sign } from "openpgp";
import { AttestationError } from "./errors.js";

export interface PgpSigningKey {
  /** The decrypted key, for openpgp. */
  readonly privateKey: PrivateKey;
  /** The primary key's fingerprint, uppercase hex. */
  readonly fingerprint: string;
  /** The fingerprint of the primary key or subkey that makes signatures, uppercase hex. */
  readonly signingFingerprint: string;
  /** `openpgp4fpr:<primary fingerprint>`, the grafeas.v1 public_key_id. */
  readonly publicKeyId: string;
}

export interface PgpSignature {
  /** The armored signed message. */
  readonly signature: Uint8Array;
  readonly publicKeyId: string;
  readonly signingFingerprint: string;
}

const upper = (text: string) => text.toUpperCase();

/**
 * Reads an armored private key (`gpg --armor --export-secret-keys`) and
 * decrypts it with `passphrase` when it is protected. Throws
 * SIGNING_KEY_UNKNOWN when it cannot be used to sign.
 */
export async function readPgpSigningKey(armoredPrivateKey: string, passphrase?: string): Promise<PgpSigningKey> {
  let privateKey: PrivateKey;
  try {
    privateKey = await readPrivateKey({ armoredKey: armoredPrivateKey });
  } catch (error) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", "the armored PGP private key cannot be read", { cause: error });
  }
  if (!privateKey.isDecrypted()) {
    if (passphrase === undefined || passphrase === "") {
      throw new AttestationError("SIGNING_KEY_UNKNOWN", "the PGP private key is protected by a passphrase, and none was given");
    }
    try {
      privateKey = await decryptKey({ privateKey, passphrase });
    } catch (error) {
      throw new AttestationError("SIGNING_KEY_UNKNOWN", "the PGP private key cannot be decrypted with the passphrase given", { cause: error });
    }
  }
  let signingFingerprint: string;
  try {
    signingFingerprint = upper((await privateKey.getSigningKey()).getFingerprint());
  } catch (error) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", "the PGP key has no valid signing key (expired, revoked or not for signing)", { cause: error });
  }
  const fingerprint = upper(privateKey.getFingerprint());
  return { privateKey, fingerprint, signingFingerprint, publicKeyId: `openpgp4fpr:${fingerprint}` };
}

/** Whether an armored public key is the public half of `key` (same primary fingerprint). */
export async function isPublicHalfOf(armoredPublicKey: string, key: PgpSigningKey): Promise<boolean> {
  try {
    return upper((await readKey({ armoredKey: armoredPublicKey })).getFingerprint()) === key.fingerprint;
  } catch {
    return false;
  }
}

export interface PgpSignOptions {
  /**
   * The signature's creation time (default now). A caller that verifies the
   * signature "as of" a time it took earlier passes that time: a signature
   * made a moment later, in the next second, would otherwise be "from the
   * future" for that verification.
   */
  readonly date?: Date | undefined;
}

/** Signs `data` as an armored attached message. */
export async function signWithPgpKey(key: PgpSigningKey, data: Uint8Array, options: PgpSignOptions = {}): Promise<PgpSignature> {
  try {
    // format "object" (then armor()) keeps openpgp's stream-conditional return types out of the way.
    const message = await sign({
      message: await createMessage({ binary: data }),
      signingKeys: key.privateKey,
      format: "object",
      ...(options.date === undefined ? {} : { date: options.date }),
      // The key's own preference usually already is SHA-512 or SHA-256; never let it fall back to SHA-1.
      config: { preferredHashAlgorithm: enums.hash.sha256, rejectHashAlgorithms: new Set([enums.hash.md5, enums.hash.sha1, enums.hash.ripemd]) },
    });
    return { signature: Buffer.from(message.armor(), "utf8"), publicKeyId: key.publicKeyId, signingFingerprint: key.signingFingerprint };
  } catch (error) {
    throw new AttestationError("SIGNING_FAILED", `openpgp could not sign with key ${key.fingerprint}`, { cause: error });
  }
}
