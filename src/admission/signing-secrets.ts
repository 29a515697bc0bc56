/**
 * @module admission/signing-secrets
 *
 * The signing keys of attest-on-pass that come from Kubernetes Secrets:
 * Kritis' `privateKeySecretName` of an ImageSecurityPolicy names a Secret in
 * the policy's namespace whose data holds
 *
 * | key | value |
 * |---|---|
 * | `private` | an armored PGP private key (Kritis' format), or a PEM private key (PKCS#8, traditional EC/RSA) |
 * | `public` | optional; the public half (armored PGP, or PEM SPKI); when present it must match `private` |
 * | `passphrase` | optional; decrypts a protected `private` (one trailing newline, as `--from-file` leaves it, is tolerated) |
 *
 * Each Secret is read with one GET (kube/secret-client) when first needed and
 * kept for `ttlMs` (default one minute); the first use after that reads it
 * again, so a rotated key is used within a TTL without a restart. An
 * unchanged Secret (same resourceVersion) is not parsed again, so a
 * passphrase-protected key is decrypted once per change, not once per read.
 * Concurrent lookups share one read. A Secret that is missing, forbidden,
 * unreadable or holds no usable key is remembered for the same TTL, so a
 * broken Secret costs one GET per TTL, not one per admission.
 *
 * Every change of a Secret's state (usable with key X, missing, forbidden,
 * unusable because …) is logged once, when it is seen; the same state is not
 * logged again. Key material and passphrases are never logged, and never
 * leave the process.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { PgpSigningKey } from "../attest/index.js";
import { AttestationError, isPublicHalfOf, niKeyId, readPgpSigningKey } from "../attest/index.js";
import type { SecretSource } from "../kube/secret-client.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import { publicIdOf } from "./attestor-keys.js";

export type SecretSigner =
  | {
      readonly kind: "pkix";
      /** `Secret NS/NAME`, for messages. */
      readonly source: string;
      /** Unencrypted PKCS#8 PEM (decrypted in memory when the Secret's was protected). */
      readonly privateKeyPem: string;
      /** `ni:///sha-256;…` of the public half. */
      readonly publicKeyId: string;
    }
  | { readonly kind: "pgp"; readonly source: string; readonly key: PgpSigningKey };

export type SecretSignerLookup = { readonly ok: true; readonly signer: SecretSigner } | { readonly ok: false; readonly detail: string };

export interface SigningSecretsOptions {
  /** How long a read Secret (or a failure to read it) is used before it is read again (default 60 000 ms). */
  readonly ttlMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Milliseconds clock, for the TTL (default `Date.now`). */
  readonly clock?: (() => number) | undefined;
}

interface Entry {
  readonly expiresAt: number;
  readonly lookup: Promise<SecretSignerLookup>;
}

interface Parsed {
  readonly resourceVersion: string;
  readonly lookup: SecretSignerLookup;
}

const pgpPrivateArmor = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
const pemPrivate = /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;

function passphraseCandidates(passphrase: string | undefined): (string | undefined)[] {
  if (passphrase === undefined) return [undefined];
  const trimmed = passphrase.replace(/\r?\n$/, "");
  return trimmed === passphrase ? [passphrase] : [passphrase, trimmed];
}

async function pgpSigner(source: string, armored: string, publicText: string | undefined, passphrase: string | undefined): Promise<SecretSignerLookup> {
  let key: PgpSigningKey | undefined;
  let failure: unknown;
  for (const candidate of passphraseCandidates(passphrase)) {
    try {
      key = await readPgpSigningKey(armored, candidate);
      break;
    } catch (error) {
      failure = error;
    }
  }
  if (key === undefined) {
    return { ok: false, detail: `${source}: ${failure instanceof AttestationError ? failure.detail : "the PGP private key cannot be used"}` };
  }
  if (publicText !== undefined && !(await isPublicHalfOf(publicText, key))) {
    return { ok: false, detail: `${source}: data key "public" is not the public half of "private" (PGP key ${key.fingerprint})` };
  }
  return { ok: true, signer: { kind: "pgp", source, key } };
}

function pemSigner(source: string, pem: string, publicText: string | undefined, passphrase: string | undefined): SecretSignerLookup {
  for (const candidate of passphraseCandidates(passphrase)) {
    let publicKeyId: string;
    let privateKeyPem: string;
    try {
      const privateKey = createPrivateKey(candidate === undefined ? { key: pem, format: "pem" } : { key: pem, format: "pem", passphrase: candidate });
      publicKeyId = publicIdOf(privateKey);
      privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    } catch (error) {
      if (error instanceof AttestationError) return { ok: false, detail: `${source}: ${error.detail}` };
      continue;
    }
    if (publicText !== undefined) {
      let matches = false;
      try {
        matches = niKeyId(createPublicKey({ key: publicText, format: "pem" }).export({ type: "spki", format: "der" })) === publicKeyId;
      } catch {
        matches = false;
      }
      if (!matches) return { ok: false, detail: `${source}: data key "public" is not the public half of "private" (PKIX key ${publicKeyId})` };
    }
    return { ok: true, signer: { kind: "pkix", source, privateKeyPem, publicKeyId } };
  }
  return {
    ok: false,
    detail: `${source}: the PEM private key cannot be read${passphrase === undefined ? " (is it encrypted? add a \"passphrase\" data key)" : " with the passphrase given"}`,
  };
}

/** Turns a Secret's data into a signer, or says why it cannot be one. */
async function signerOf(source: string, data: ReadonlyMap<string, Buffer>): Promise<SecretSignerLookup> {
  const privateText = data.get("private")?.toString("utf8");
  if (privateText === undefined || privateText.trim() === "") {
    return { ok: false, detail: `${source} has no data key "private" (Kritis' format: private, public, optional passphrase)` };
  }
  const publicText = data.get("public")?.toString("utf8");
  const publicPart = publicText === undefined || publicText.trim() === "" ? undefined : publicText;
  const passphrase = data.get("passphrase")?.toString("utf8");
  if (privateText.includes(pgpPrivateArmor)) return pgpSigner(source, privateText, publicPart, passphrase);
  if (pemPrivate.test(privateText)) return pemSigner(source, privateText, publicPart, passphrase);
  return { ok: false, detail: `${source}: data key "private" is neither an armored PGP private key nor a PEM private key` };
}

/** What is logged about a Secret's state: a change is logged once. */
function describeState(lookup: SecretSignerLookup): string {
  if (!lookup.ok) return lookup.detail;
  return lookup.signer.kind === "pgp" ? `PGP key ${lookup.signer.key.fingerprint}` : `PKIX key ${lookup.signer.publicKeyId}`;
}

/** Reads, parses and caches the signing keys named by `privateKeySecretName`. */
export class SigningSecrets {
  readonly ttlMs: number;
  readonly #source: SecretSource;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #parsed = new Map<string, Parsed>();
  readonly #logged = new Map<string, string>();

  constructor(source: SecretSource, options: SigningSecretsOptions = {}) {
    this.#source = source;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.#log = (options.logger ?? silentLogger).child({ component: "signing-secrets" });
    this.#clock = options.clock ?? Date.now;
  }

  /** The signer held by Secret `namespace/name`, read at most once per TTL. Never rejects. */
  signerFor(namespace: string, name: string): Promise<SecretSignerLookup> {
    const key = `${namespace}/${name}`;
    const now = this.#clock();
    const cached = this.#entries.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.lookup;
    const lookup = this.#read(namespace, name, key);
    this.#entries.set(key, { expiresAt: now + this.ttlMs, lookup });
    return lookup;
  }

  /**
   * Logs, once per distinct problem, that the Secret's key cannot sign for an
   * authority (the decision log repeats it per review; this line is the one to
   * alert on).
   */
  reportUnusable(namespace: string, name: string, authority: string, detail: string): void {
    const key = `${namespace}/${name} for ${authority}`;
    if (this.#logged.get(key) === detail) return;
    this.#logged.set(key, detail);
    this.#log.error("attest-on-pass cannot sign with the key of this Kubernetes Secret; images are admitted without an attestation", {
      keySource: `${namespace}/${name}`,
      authority,
      detail,
    });
  }

  async #read(namespace: string, name: string, key: string): Promise<SecretSignerLookup> {
    const source = `Secret ${key}`;
    let lookup: SecretSignerLookup;
    try {
      const read = await this.#source.readSecret(namespace, name);
      if (!read.found) {
        const what = read.reason === "not-found" ? "does not exist" : read.reason === "forbidden" ? "may not be read" : "cannot be read";
        lookup = { ok: false, detail: `${source} ${what}: ${read.detail}` };
      } else {
        const previous = this.#parsed.get(key);
        if (previous !== undefined && read.resourceVersion !== undefined && previous.resourceVersion === read.resourceVersion) {
          lookup = previous.lookup;
        } else {
          lookup = await signerOf(source, read.data);
          if (read.resourceVersion !== undefined) this.#parsed.set(key, { resourceVersion: read.resourceVersion, lookup });
        }
      }
    } catch {
      lookup = { ok: false, detail: `${source} cannot be read: unexpected failure` };
    }
    this.#note(key, lookup);
    return lookup;
  }

  #note(key: string, lookup: SecretSignerLookup): void {
    const state = describeState(lookup);
    if (this.#logged.get(key) === state) return;
    this.#logged.set(key, state);
    if (lookup.ok) {
      this.#log.info("attest-on-pass signing key read from a Kubernetes Secret", { keySource: key, key: state });
    } else {
      this.#log.error("attest-on-pass signing key unavailable; images that pass are admitted without an attestation", {
        keySource: key,
        detail: lookup.detail,
      });
    }
  }
}
