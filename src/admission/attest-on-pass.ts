/**
 * @module admission/attest-on-pass
 *
 * Kritis' decision cache: when an image passes an ImageSecurityPolicy that
 * names an `attestationAuthorityName`, the webhook signs and stores an
 * attestation for that authority, so the next review (a restart, a rollout)
 * accepts the attestation instead of judging vulnerabilities again.
 *
 * What is stored:
 * - the note `spec.noteReference` of the authority, created when missing, as
 *   an ATTESTATION note (`hint.humanReadableName` = the authority's name;
 *   Kritis' short description "Image Policy Security Attestor");
 * - in the note's project, an ATTESTATION occurrence for
 *   `https://registry/path@digest` with a simple-signing payload (Kritis' key
 *   order and type "atomic container signature") and one signature. (Kritis
 *   stored it in project `kritis`; the note's project keeps an authority's
 *   attestations together, and the engine finds them from any project either
 *   way.)
 *
 * The signing key, first found wins:
 * 1. the `--attestor-key` configured for the authority (./attestor-keys.ts):
 *    a PKIX signature naming the matching `publicKeys[].keyId`;
 * 2. the Secret the policy names in `privateKeySecretName`, in the policy's
 *    namespace, as Kritis read it (./signing-secrets.ts; with
 *    `--policy-source kubernetes` only): an armored PGP key makes an armored
 *    attached PGP signature with `publicKeyId` `openpgp4fpr:<FPR>` of the
 *    authority's PGP key it belongs to (its signing (sub)key must be one of
 *    them); a PEM key makes a PKIX signature as above.
 * An `--attestor-key` that is not the authority's is reported; the Secret is
 * not tried instead, so what signs never depends on which of the two happens
 * to be valid.
 *
 * Before storing, the attestation is verified with the authority's own keys:
 * an attestation that would not verify is never stored. Nothing here changes
 * the admission decision: a missing key or Secret, a key that is not the
 * authority's, or a metadata server that refuses the write is logged and
 * reported, and the request is answered as decided. Nothing happens for a
 * dry-run request.
 */
import { create } from "@bufbuild/protobuf";
import type { PgpSigningKey } from "../attest/index.js";
import {
  signWithPgpKey,
  signWithPrivateKey,
  simpleSigningPayload,
  verifyAttestationOccurrence,
} from "../attest/index.js";
import { ScribaError } from "../errors.js";
import { AttestationOccurrenceSchema } from "../gen/grafeas/v1/attestation_pb.js";
import { SignatureSchema } from "../gen/grafeas/v1/common_pb.js";
import { parseImageReference } from "../image/image-reference.js";
import type { AttestationAuthority } from "../policy/crds/attestation-authority.js";
import type { AuthorityKeyring, AuthorityKeys } from "./authority-keys.js";
import type { AttestorKeys } from "./attestor-keys.js";
import type { AttestOnPassCandidate } from "./isp-judgement.js";
import type { MetadataSource } from "./metadata-source.js";
import type { SigningSecrets } from "./signing-secrets.js";

export interface AttestOnPassResult {
  /** `namespace/name` of the authority. */
  readonly authority: string;
  readonly policy: string;
  readonly image: string;
  readonly outcome: "created" | "skipped" | "failed";
  readonly detail: string;
  readonly occurrenceName?: string | undefined;
}

export interface AttestOnPassOptions {
  readonly metadata: MetadataSource;
  /** `--attestor-key`: wins over a policy's Secret. */
  readonly signers: AttestorKeys;
  /** The keys of `privateKeySecretName` Secrets (`--policy-source kubernetes` only). */
  readonly secrets?: SigningSecrets | undefined;
  readonly keyring: AuthorityKeyring;
  readonly now: Date;
  /** Budget for the writes (default 5000 ms). */
  readonly timeoutMs?: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** Where a Secret's key came from, so a key that cannot sign for the authority is reported once per Secret. */
interface SecretOrigin {
  readonly namespace: string;
  readonly name: string;
}

type Signing =
  | { readonly kind: "pkix"; readonly source: string; readonly privateKeyPem: string; readonly publicKeyId: string; readonly secret?: SecretOrigin }
  | { readonly kind: "pgp"; readonly source: string; readonly key: PgpSigningKey; readonly secret: SecretOrigin };

interface Skip {
  readonly skip: string;
}

/** The key to sign with: `--attestor-key` first, then the policy's `privateKeySecretName`. */
async function chooseSigner(candidate: AttestOnPassCandidate, options: AttestOnPassOptions, authorityName: string): Promise<Signing | Skip> {
  const flagKey = options.signers.find(candidate.authority);
  if (flagKey !== undefined) {
    return { kind: "pkix", source: `the --attestor-key ${flagKey.source}`, privateKeyPem: flagKey.privateKeyPem, publicKeyId: flagKey.publicKeyId };
  }
  const policy = candidate.policy.policy;
  const secretName = policy.privateKeySecretName;
  if (secretName === undefined) {
    return { skip: `no --attestor-key is configured for AttestationAuthority ${authorityName}, and ImageSecurityPolicy ${policy.namespace}/${policy.name} names no privateKeySecretName` };
  }
  if (options.secrets === undefined) {
    return {
      skip: `ImageSecurityPolicy ${policy.namespace}/${policy.name} names privateKeySecretName ${secretName}, which is read from the Kubernetes API with --policy-source kubernetes only, and no --attestor-key is configured for AttestationAuthority ${authorityName}`,
    };
  }
  const lookup = await options.secrets.signerFor(policy.namespace, secretName);
  if (!lookup.ok) return { skip: lookup.detail };
  const signer = lookup.signer;
  const secret = { namespace: policy.namespace, name: secretName };
  return signer.kind === "pgp"
    ? { kind: "pgp", source: `the PGP key ${signer.key.fingerprint} in ${signer.source}`, key: signer.key, secret }
    : { kind: "pkix", source: `the PKIX key in ${signer.source}`, privateKeyPem: signer.privateKeyPem, publicKeyId: signer.publicKeyId, secret };
}

interface Signed {
  readonly signature: Uint8Array;
  readonly keyId: string;
  readonly detail: string;
}

/** Signs the payload with a key the authority trusts, or says why it cannot. */
async function signForAuthority(
  signing: Signing,
  authority: AttestationAuthority,
  trusted: AuthorityKeys,
  payload: Uint8Array,
  authorityName: string,
  now: Date,
): Promise<Signed | string> {
  if (signing.kind === "pkix") {
    const key = trusted.keys.find((k) => k.kind === "pkix" && k.derivedId === signing.publicKeyId);
    const declared = authority.publicKeys.find((k) => k.keyType === "PKIX" && k.keyId === key?.id);
    if (key === undefined || declared === undefined || declared.keyType !== "PKIX") {
      return `${signing.source} is not one of the PKIX publicKeys of ${authorityName}; an attestation it signed would not verify`;
    }
    const signed = signWithPrivateKey(signing.privateKeyPem, payload, { signatureAlgorithm: declared.signatureAlgorithm, keyId: key.id });
    return { signature: signed.signature, keyId: signed.keyId, detail: `signed with ${signed.keyId} (${signed.algorithm})` };
  }
  const fingerprint = signing.key.signingFingerprint;
  const key = trusted.keys.find((k) => k.kind === "pgp" && k.keyFingerprints.includes(fingerprint));
  if (key === undefined) {
    return `${signing.source} is not one of the PGP publicKeys of ${authorityName} (it signs with ${fingerprint}); an attestation it signed would not verify`;
  }
  // Dated at the decision's `now`, which the attestation is verified against before it is stored.
  const signed = await signWithPgpKey(signing.key, payload, { date: now });
  return { signature: signed.signature, keyId: `openpgp4fpr:${key.id}`, detail: `signed with openpgp4fpr:${key.id} (PGP)` };
}

async function attestOne(candidate: AttestOnPassCandidate, options: AttestOnPassOptions, signal: AbortSignal): Promise<AttestOnPassResult> {
  const { authority, pinned } = candidate;
  const base = { authority: `${authority.namespace}/${authority.name}`, policy: candidate.policy.policy.name, image: pinned };
  const signing = await chooseSigner(candidate, options, base.authority);
  if ("skip" in signing) return { ...base, outcome: "skipped", detail: signing.skip };
  const trusted = await options.keyring.keysOf(authority);
  const reference = parseImageReference(pinned);
  const payload = simpleSigningPayload(reference);
  const signed = await signForAuthority(signing, authority, trusted, payload, base.authority, options.now);
  if (typeof signed === "string") {
    if (signing.secret !== undefined) options.secrets?.reportUnusable(signing.secret.namespace, signing.secret.name, base.authority, signed);
    return { ...base, outcome: "skipped", detail: signed };
  }
  const attestation = create(AttestationOccurrenceSchema, {
    serializedPayload: payload,
    signatures: [create(SignatureSchema, { signature: signed.signature, publicKeyId: signed.keyId })],
  });
  const check = await verifyAttestationOccurrence(attestation, reference, trusted.keys, { now: options.now });
  if (!check.verified) {
    return { ...base, outcome: "failed", detail: `the signed attestation does not verify (${check.failure?.code ?? "unknown"}); not stored` };
  }

  const note = authority.note;
  await options.metadata.createNote(
    note.project,
    note.noteId,
    {
      shortDescription: "Image Policy Security Attestor",
      longDescription: `Attestations that images passed the ImageSecurityPolicies of namespace ${authority.namespace} naming AttestationAuthority ${authority.name}`,
      attestation: { hint: { humanReadableName: authority.name } },
    },
    { signal },
  );
  const stored = await options.metadata.createOccurrence(
    note.project,
    {
      resourceUri: `https://${pinned}`,
      noteName: authority.noteReference,
      attestation: {
        serializedPayload: b64(payload),
        signatures: [{ signature: b64(signed.signature), publicKeyId: signed.keyId }],
      },
    },
    { signal },
  );
  const name = typeof stored === "object" && stored !== null ? (stored as Record<string, unknown>)["name"] : undefined;
  return {
    ...base,
    outcome: "created",
    detail: signed.detail,
    occurrenceName: typeof name === "string" ? name : undefined,
  };
}

/** Signs and stores an attestation for each candidate. Never rejects: every failure is a result. */
export async function attestOnPass(
  candidates: readonly AttestOnPassCandidate[],
  options: AttestOnPassOptions,
): Promise<AttestOnPassResult[]> {
  if (candidates.length === 0) return [];
  const signal = AbortSignal.timeout(options.timeoutMs ?? 5000);
  return Promise.all(
    candidates.map(async (candidate) => {
      try {
        return await attestOne(candidate, options, signal);
      } catch (error) {
        return {
          authority: `${candidate.authority.namespace}/${candidate.authority.name}`,
          policy: candidate.policy.policy.name,
          image: candidate.pinned,
          outcome: "failed" as const,
          detail: error instanceof ScribaError ? error.message : "internal error",
        };
      }
    }),
  );
}
