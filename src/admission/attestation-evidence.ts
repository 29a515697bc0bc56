/**
 * @module admission/attestation-evidence
 *
 * Turns the fetched attestation occurrences into one verdict per authority
 * and image. This step is pure in all but name: attest verifies offline,
 * with no clock but the `now` it is given, so the same snapshot, keys and
 * `now` always give the same evidence (it is async only because openpgp.js
 * is).
 *
 * For an authority and an image, an occurrence counts only when:
 * - it is an occurrence of the authority's note (a source that ignored its
 *   filter cannot lend one authority's attestations to another);
 * - its resource URI names the image (after normalisation: `https://` or
 *   not, `nginx` or `docker.io/library/nginx`);
 * - it is a grafeas.v1 `attestation` (serialized payload with signatures, or
 *   JWTs) or `dsseAttestation` (a DSSE envelope), and one of its signatures
 *   verifies with ANY of the authority's keys (rotation) over a payload that
 *   names this image's digest and repository.
 *
 * The first verified occurrence settles it. Otherwise every failure is kept
 * (the first few, and a count), with attest's failure code and detail, so a
 * denial can say "the signature is over another digest" instead of "not
 * attested".
 */
import { fromJson } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import type { AttestationVerification } from "../attest/index.js";
import { isAttestationOccurrence, verifyOccurrenceAttestation } from "../attest/index.js";
import { OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../grafeas/proto-json.js";
import { parseNoteName } from "../grafeas/resource-names.js";
import type { SignatureFailure } from "../policy/decision.js";
import type { AdmissionEvidence, AuthorityEvidence, MetadataSnapshot } from "./admission-evidence.js";
import { attestationQueryKey, authorityEvidenceKey } from "./admission-evidence.js";
import type { AdmissionPlan, AuthorityCheck } from "./admission-plan.js";
import type { AuthorityKeyring } from "./authority-keys.js";
import type { VerdictQuestion, VerificationCache } from "./cache/verification-cache.js";
import { pinnedImageOfResourceUri } from "./resource-uris.js";

export interface VerifyEvidenceOptions {
  /** The time keys and tokens must be valid at. */
  readonly now: Date;
  /** Failures kept per authority and image (default 3). */
  readonly maxFailures?: number;
  /** Reuses verdicts for occurrences verified before (./cache/verification-cache.ts). */
  readonly cache?: VerificationCache | undefined;
}

function sameNote(name: string, noteReference: string): boolean {
  try {
    const parsed = parseNoteName(name);
    return `projects/${parsed.project}/notes/${parsed.noteId}` === noteReference;
  } catch {
    return false;
  }
}

function failuresOf(
  verification: AttestationVerification,
  authority: string,
  occurrenceName: string | undefined,
): SignatureFailure[] {
  const rejected = verification.results.filter((r) => !r.ok);
  if (rejected.length === 0 && verification.failure !== undefined) {
    const f = verification.failure;
    return [{ authority, code: f.code, message: `${f.message}: ${f.detail}`, occurrenceName }];
  }
  return rejected.map((r) => ({
    authority,
    code: r.failure.code,
    message: `${r.failure.message}: ${r.failure.detail}`,
    keyId: r.keyIdHint === "" ? undefined : r.keyIdHint,
    occurrenceName,
  }));
}

async function verifyCheck(
  check: AuthorityCheck,
  snapshot: MetadataSnapshot,
  keyring: AuthorityKeyring,
  options: VerifyEvidenceOptions,
): Promise<AuthorityEvidence> {
  const { authority, pinned } = check;
  const fetched = snapshot.attestations.get(attestationQueryKey(authority.noteReference, pinned));
  if (fetched === undefined || !fetched.ok) {
    return {
      status: "unavailable",
      failures: [],
      moreFailures: 0,
      detail: fetched?.detail ?? `the occurrences of ${authority.noteReference} were not fetched`,
    };
  }
  const occurrences = fetched.occurrences;
  const verify = () => verifyOccurrences(check, occurrences, keyring, options);
  return options.cache === undefined ? verify() : options.cache.verdict(authority, pinned, occurrences, verify);
}

async function verifyOccurrences(
  check: AuthorityCheck,
  occurrences: readonly unknown[],
  keyring: AuthorityKeyring,
  options: VerifyEvidenceOptions,
): Promise<AuthorityEvidence> {
  const { authority, pinned } = check;
  const { keys, problems } = await keyring.keysOf(authority);
  const failures: SignatureFailure[] = [...problems];
  for (const json of occurrences) {
    let occurrence;
    try {
      occurrence = fromJson(OccurrenceSchema, json as JsonValue, { registry: grafeasRegistry, ignoreUnknownFields: true });
    } catch {
      failures.push({
        authority: authority.name,
        code: "SIGNATURE_MALFORMED",
        message: "an occurrence of the note cannot be read as grafeas.v1 JSON",
      });
      continue;
    }
    if (!sameNote(occurrence.noteName, authority.noteReference)) continue;
    if (pinnedImageOfResourceUri(occurrence.resourceUri) !== pinned) continue;
    const occurrenceName = occurrence.name === "" ? undefined : occurrence.name;
    if (!isAttestationOccurrence(occurrence)) continue;
    const verification: AttestationVerification = await verifyOccurrenceAttestation(occurrence, check.read.reference, keys, {
      now: options.now,
    });
    if (verification.verified) {
      const by = verification.results.find((r) => r.ok);
      return {
        status: "verified",
        failures: [],
        moreFailures: 0,
        verifiedBy: { occurrenceName, keyId: by?.ok === true ? by.keyId : "" },
      };
    }
    failures.push(...failuresOf(verification, authority.name, occurrenceName));
  }
  const max = options.maxFailures ?? 3;
  return { status: "unverified", failures: failures.slice(0, max), moreFailures: Math.max(0, failures.length - max) };
}

/** The evidence from stored answers and stored verdicts alone, when the cache holds every verdict the plan needs. */
function storedEvidence(plan: AdmissionPlan, snapshot: MetadataSnapshot, cache: VerificationCache | undefined): AdmissionEvidence | undefined {
  if (snapshot.storedUntil === undefined) return undefined;
  if (plan.authorityChecks.length === 0) return { attestations: new Map(), vulnerabilities: snapshot.vulnerabilities, storedUntil: snapshot.storedUntil };
  if (cache === undefined) return undefined;
  const questions: VerdictQuestion[] = [];
  for (const { authority, pinned } of plan.authorityChecks) {
    const fetched = snapshot.attestations.get(attestationQueryKey(authority.noteReference, pinned));
    if (fetched === undefined || !fetched.ok) return undefined;
    questions.push({ authority, pinned, occurrences: fetched.occurrences });
  }
  const stored = cache.storedVerdicts(questions);
  if (stored === undefined) return undefined;
  const attestations = new Map<string, AuthorityEvidence>();
  plan.authorityChecks.forEach((check, i) => attestations.set(authorityEvidenceKey(check.authority, check.pinned), stored.verdicts[i]!));
  return { attestations, vulnerabilities: snapshot.vulnerabilities, storedUntil: Math.min(snapshot.storedUntil, stored.expiresAt) };
}

/** Verifies every authority and image pair of the plan against the fetched occurrences. */
export async function verifyEvidence(
  plan: AdmissionPlan,
  snapshot: MetadataSnapshot,
  keyring: AuthorityKeyring,
  options: VerifyEvidenceOptions,
): Promise<AdmissionEvidence> {
  const stored = storedEvidence(plan, snapshot, options.cache);
  if (stored !== undefined) return stored;
  const entries = await Promise.all(
    plan.authorityChecks.map(
      async (check) => [authorityEvidenceKey(check.authority, check.pinned), await verifyCheck(check, snapshot, keyring, options)] as const,
    ),
  );
  return { attestations: new Map(entries), vulnerabilities: snapshot.vulnerabilities };
}
