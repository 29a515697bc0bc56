/**
 * @module admission/attestor-keys
 *
 * The private keys the webhook signs attest-on-pass attestations with, one
 * per AttestationAuthority: `--attestor-key AUTHORITY=FILE` (repeatable),
 * where AUTHORITY is `name` (that authority name in every namespace) or
 * `namespace/name` (that one authority; it wins over a bare name), and FILE
 * is a PEM private key (PKCS#8 or the traditional EC/RSA forms) whose public
 * half is one of the authority's PKIX `publicKeys`.
 *
 * The other source of signing keys is Kritis' own: the Secret an
 * ImageSecurityPolicy names in `privateKeySecretName` (armored PGP or PEM,
 * read through the Kubernetes API with `--policy-source kubernetes`;
 * ./signing-secrets.ts). Precedence: a key configured here for the
 * authority always wins, and the policy's Secret is then not read at all
 * (not even when this key turns out not to be the authority's: which key
 * signs must not depend on which one happens to work). Operators use
 * `--attestor-key` to keep signing keys out of the cluster's Secrets, or
 * with a policy directory, where there is no Kubernetes API to read from.
 *
 * Keys are read and checked when the webhook starts (a key that cannot be
 * read stops it with the file named), never logged, and never leave the
 * process.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AttestationError, niKeyId, pkixKeyShape } from "../attest/index.js";
import { invalidArgument } from "../errors.js";
import type { AttestationAuthority } from "../policy/crds/attestation-authority.js";
import { namespaceNameProblem, objectNameProblem } from "../policy/crds/kritis-api.js";

export interface AttestorKeySpec {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly file: string;
}

export interface AttestorKey {
  readonly namespace: string | undefined;
  readonly name: string;
  /** The file it came from, for messages. */
  readonly source: string;
  readonly privateKeyPem: string;
  /** `ni:///sha-256;…` of the public half: how the matching authority key is found. */
  readonly publicKeyId: string;
}

/** Parses `NAME=FILE` or `NAMESPACE/NAME=FILE`; throws INVALID_ARGUMENT. */
export function parseAttestorKeySpec(text: string): AttestorKeySpec {
  const equals = text.indexOf("=");
  const target = equals < 0 ? "" : text.slice(0, equals).trim();
  const file = equals < 0 ? "" : text.slice(equals + 1).trim();
  if (target === "" || file === "") {
    throw invalidArgument(`--attestor-key must be AUTHORITY=FILE or NAMESPACE/AUTHORITY=FILE, got ${JSON.stringify(text)}`);
  }
  const slash = target.indexOf("/");
  const namespace = slash < 0 ? undefined : target.slice(0, slash);
  const name = slash < 0 ? target : target.slice(slash + 1);
  const problem = (namespace === undefined ? undefined : namespaceNameProblem(namespace)) ?? objectNameProblem(name);
  if (problem !== undefined) throw invalidArgument(`--attestor-key ${JSON.stringify(target)}: ${problem}`);
  return { namespace, name, file };
}

/** `ni:///sha-256;…` of a private key's public half; throws AttestationError for a key off the allow-list. */
export function publicIdOf(privateKey: KeyObject): string {
  const publicKey = createPublicKey(privateKey);
  pkixKeyShape(publicKey);
  return niKeyId(publicKey.export({ type: "spki", format: "der" }));
}

/** Reads and checks the key files; throws INVALID_ARGUMENT naming the file at fault. */
export async function loadAttestorKeys(specs: readonly AttestorKeySpec[]): Promise<AttestorKeys> {
  const keys: AttestorKey[] = [];
  for (const spec of specs) {
    let pem: string;
    try {
      pem = await readFile(spec.file, "utf8");
    } catch (error) {
      throw invalidArgument(`--attestor-key ${spec.file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
    let publicKeyId: string;
    try {
      publicKeyId = publicIdOf(createPrivateKey({ key: pem, format: "pem" }));
    } catch (error) {
      const why = error instanceof AttestationError ? error.detail : "it is not an unencrypted PEM private key";
      throw invalidArgument(`--attestor-key ${spec.file} cannot be used: ${why}`);
    }
    keys.push({ namespace: spec.namespace, name: spec.name, source: spec.file, privateKeyPem: pem, publicKeyId });
  }
  return new AttestorKeys(keys);
}

/** The configured signing keys, looked up by authority. */
export class AttestorKeys {
  constructor(readonly keys: readonly AttestorKey[] = []) {}

  /** The key for this authority: `namespace/name` first, then `name`. */
  find(authority: AttestationAuthority): AttestorKey | undefined {
    return (
      this.keys.find((k) => k.namespace === authority.namespace && k.name === authority.name) ??
      this.keys.find((k) => k.namespace === undefined && k.name === authority.name)
    );
  }
}
