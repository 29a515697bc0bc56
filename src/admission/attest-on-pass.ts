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
 *   order and type "atomic container signature") and one PKIX signature by
 *   the `--attestor-key` configured for the authority, naming the matching
 *   `publicKeys[].keyId`. (Kritis stored it in project `kritis`; the note's
 *   project keeps an authority's attestations together, and the engine finds
 *   them from any project either way.)
 *
 * Before storing, the attestation is verified with the authority's own keys:
 * an attestation that would not verify is never stored. Nothing here changes
 * the admission decision: a missing key, a key that is not the authority's,
 * or a metadata server that refuses the write is logged and reported, and
 * the request is answered as decided. Nothing happens for a dry-run request.
 */
import { create } from "@bufbuild/protobuf";
import {
  signWithPrivateKey,
  simpleSigningPayload,
  verifyAttestationOccurrence,
} from "../attest/index.js";
import { ScribaError } from "../errors.js";
import { AttestationOccurrenceSchema } from "../gen/grafeas/v1/attestation_pb.js";
import { SignatureSchema } from "../gen/grafeas/v1/common_pb.js";
import { parseImageReference } from "../image/image-reference.js";
import type { AuthorityKeyring } from "./authority-keys.js";
import type { AttestorKeys } from "./attestor-keys.js";
import type { AttestOnPassCandidate } from "./isp-judgement.js";
import type { MetadataSource } from "./metadata-source.js";

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
  readonly signers: AttestorKeys;
  readonly keyring: AuthorityKeyring;
  readonly now: Date;
  /** Budget for the writes (default 5000 ms). */
  readonly timeoutMs?: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

async function attestOne(candidate: AttestOnPassCandidate, options: AttestOnPassOptions, signal: AbortSignal): Promise<AttestOnPassResult> {
  const { authority, pinned } = candidate;
  const base = { authority: `${authority.namespace}/${authority.name}`, policy: candidate.policy.policy.name, image: pinned };
  const signer = options.signers.find(authority);
  if (signer === undefined) {
    return { ...base, outcome: "skipped", detail: `no --attestor-key is configured for AttestationAuthority ${base.authority}` };
  }
  const trusted = await options.keyring.keysOf(authority);
  const key = trusted.keys.find((k) => k.kind === "pkix" && k.derivedId === signer.publicKeyId);
  const declared = authority.publicKeys.find((k) => k.keyType === "PKIX" && k.keyId === key?.id);
  if (key === undefined || declared === undefined || declared.keyType !== "PKIX") {
    return {
      ...base,
      outcome: "skipped",
      detail: `the --attestor-key ${signer.source} is not one of the PKIX publicKeys of ${base.authority}; an attestation it signed would not verify`,
    };
  }
  const reference = parseImageReference(pinned);
  const payload = simpleSigningPayload(reference);
  const signed = signWithPrivateKey(signer.privateKeyPem, payload, {
    signatureAlgorithm: declared.signatureAlgorithm,
    keyId: key.id,
  });
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
    detail: `signed with ${signed.keyId} (${signed.algorithm})`,
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
