/**
 * @module admission/__fixtures__/admission-world
 *
 * A small world for admission tests, made of real parts: a GrafeasService
 * over the memory store holding real attestations (signed with node:crypto
 * keys or by real gpg), policies parsed from YAML by the policy module, and
 * workload objects shaped as the Kubernetes API server sends them.
 */
import { generateKeyPairSync } from "node:crypto";
import { create, type JsonValue } from "@bufbuild/protobuf";
import { signWithPrivateKey, simpleSigningPayload } from "../../attest/index.js";
import {
  CreateNoteRequestSchema,
  CreateOccurrenceRequestSchema,
  NoteSchema,
  OccurrenceSchema,
} from "../../gen/grafeas/v1/grafeas_pb.js";
import { GrafeasService } from "../../grafeas/grafeas-service.js";
import { messageFromJson } from "../../grafeas/proto-json.js";
import { parseNoteName } from "../../grafeas/resource-names.js";
import { parseImageReference } from "../../image/image-reference.js";
import { parsePolicyDocuments } from "../../policy/policy-documents.js";
import type { PolicySet } from "../../policy/policy-set.js";
import { assemblePolicySet } from "../../policy/policy-set.js";
import { createMemoryStore } from "../../store/memory-store.js";
import type { Store } from "../../store/store.js";
import type { AdmissionDecision } from "../../policy/decision.js";
import { formatDenialMessage, formatWarnings } from "../../policy/decision.js";
import type { MetadataSnapshot } from "../admission-evidence.js";
import type { AdmissionInput } from "../admission-input.js";
import { planAdmission } from "../admission-plan.js";
import { verifyEvidence } from "../attestation-evidence.js";
import { AuthorityKeyring } from "../authority-keys.js";
import { evaluateAdmission } from "../evaluate-admission.js";
import { fetchMetadata } from "../metadata-fetch.js";
import { grafeasServiceMetadata } from "../grafeas-service-metadata.js";
import type { MetadataSource } from "../metadata-source.js";

export const digests = {
  payment: "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887",
  web: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
  sidecar: "sha256:2222222222222222222222222222222222222222222222222222222222222222",
  other: "sha256:3333333333333333333333333333333333333333333333333333333333333333",
} as const;

export const images = {
  payment: `gcr.io/hightowerlabs/payment@${digests.payment}`,
  web: `gcr.io/acme/web@${digests.web}`,
  sidecar: `gcr.io/acme/sidecar@${digests.sidecar}`,
  webOtherDigest: `gcr.io/acme/web@${digests.other}`,
} as const;

export interface PkixKeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
}

export function ecKeyPair(curve: "P-256" | "P-384" = "P-256"): PkixKeyPair {
  const pair = generateKeyPairSync("ec", { namedCurve: curve });
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export type AuthorityKeyYaml =
  | { readonly pkix: PkixKeyPair; readonly algorithm?: string; readonly keyId?: string }
  | { readonly pgp: string };

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => `${" ".repeat(spaces)}${line}`)
    .join("\n");

export function authorityYaml(name: string, namespace: string, noteReference: string, keys: readonly AuthorityKeyYaml[]): string {
  const keyYaml = keys.map((key) =>
    "pgp" in key
      ? `  - keyType: PGP\n    asciiArmoredPgpPublicKey: ${Buffer.from(key.pgp).toString("base64")}`
      : [
          "  - keyType: PKIX",
          ...(key.keyId === undefined ? [] : [`    keyId: ${JSON.stringify(key.keyId)}`]),
          "    pkixPublicKey:",
          `      signatureAlgorithm: ${key.algorithm ?? "ecdsa-p256-sha256"}`,
          "      publicKeyPem: |",
          indent(key.pkix.publicPem, 8),
        ].join("\n"),
  );
  return [
    "apiVersion: kritis.grafeas.io/v1beta1",
    "kind: AttestationAuthority",
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    "spec:",
    `  noteReference: ${noteReference}`,
    "  publicKeys:",
    ...keyYaml,
  ].join("\n");
}

export function gapYaml(
  name: string,
  namespace: string,
  authorities: readonly string[],
  options: { allowlist?: readonly string[]; mode?: string } = {},
): string {
  return [
    "apiVersion: kritis.grafeas.io/v1beta1",
    "kind: GenericAttestationPolicy",
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    "spec:",
    `  attestationAuthorityNames: ${JSON.stringify(authorities)}`,
    ...(options.allowlist === undefined
      ? []
      : ["  admissionAllowlistPatterns:", ...options.allowlist.map((p) => `  - namePattern: ${JSON.stringify(p)}`)]),
    ...(options.mode === undefined ? [] : [`  enforcementMode: ${options.mode}`]),
  ].join("\n");
}

export function ispYaml(
  name: string,
  namespace: string,
  spec: {
    maximumSeverity?: string;
    maximumFixUnavailableSeverity?: string;
    allowlistCVEs?: readonly string[];
    imageAllowlist?: readonly string[];
    attestationAuthorityName?: string;
    privateKeySecretName?: string;
    mode?: string;
  } = {},
): string {
  const requirements = [
    ...(spec.maximumSeverity === undefined ? [] : [`    maximumSeverity: ${spec.maximumSeverity}`]),
    ...(spec.maximumFixUnavailableSeverity === undefined ? [] : [`    maximumFixUnavailableSeverity: ${spec.maximumFixUnavailableSeverity}`]),
    ...(spec.allowlistCVEs === undefined ? [] : [`    allowlistCVEs: ${JSON.stringify(spec.allowlistCVEs)}`]),
  ];
  const lines = [
    ...(spec.imageAllowlist === undefined ? [] : [`  imageAllowlist: ${JSON.stringify(spec.imageAllowlist)}`]),
    ...(requirements.length === 0 ? [] : ["  packageVulnerabilityRequirements:", ...requirements]),
    ...(spec.attestationAuthorityName === undefined ? [] : [`  attestationAuthorityName: ${spec.attestationAuthorityName}`]),
    ...(spec.privateKeySecretName === undefined ? [] : [`  privateKeySecretName: ${spec.privateKeySecretName}`]),
    ...(spec.mode === undefined ? [] : [`  enforcementMode: ${spec.mode}`]),
  ];
  return [
    "apiVersion: kritis.grafeas.io/v1beta1",
    "kind: ImageSecurityPolicy",
    `metadata: {name: ${name}, namespace: ${namespace}}`,
    lines.length === 0 ? "spec: {}" : "spec:",
    ...lines,
  ].join("\n");
}

export function kritisConfigYaml(spec: Record<string, unknown>): string {
  return ["apiVersion: kritis.grafeas.io/v1beta1", "kind: KritisConfig", "metadata: {name: config}", `spec: ${JSON.stringify(spec)}`].join("\n");
}

/** Parses YAML documents (joined with `---`) into a policy set, exactly as a policy directory is read. */
export function policySet(...documents: readonly string[]): PolicySet {
  return assemblePolicySet(parsePolicyDocuments(documents.join("\n---\n"), "policies.yaml"));
}

export interface ContainerSpec {
  readonly image: string;
  readonly name?: string;
}

export function podSpec(containers: readonly ContainerSpec[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    containers: containers.map((c, i) => ({ name: c.name ?? `c${i}`, image: c.image })),
    ...extra,
  };
}

export function pod(
  name: string,
  namespace: string,
  containers: readonly ContainerSpec[],
  options: { annotations?: Record<string, string>; labels?: Record<string, string>; spec?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
      ...(options.labels === undefined ? {} : { labels: options.labels }),
    },
    spec: podSpec(containers, options.spec),
  };
}

/** A CREATE (or another operation) of a core Pod, as the engine receives it. */
export function podInput(object: Record<string, unknown>, options: Partial<AdmissionInput> = {}): AdmissionInput {
  const metadata = object["metadata"] as { namespace?: string; name?: string };
  return {
    uid: "test-uid",
    operation: "CREATE",
    kind: { group: "", kind: "Pod" },
    namespace: metadata.namespace,
    name: metadata.name,
    object,
    ...options,
  };
}

/** A GrafeasService over the memory store, and the in-process metadata source over it. */
export class MetadataWorld {
  readonly service: GrafeasService;
  readonly source: MetadataSource;

  constructor(readonly store: Store = createMemoryStore()) {
    this.service = new GrafeasService({ store });
    this.source = grafeasServiceMetadata(this.service);
  }

  async note(noteReference: string, kind: "attestation" | "vulnerability" = "attestation"): Promise<void> {
    const { project, noteId } = parseNoteName(noteReference);
    const json: JsonValue =
      kind === "attestation"
        ? { attestation: { hint: { humanReadableName: noteId } } }
        : { vulnerability: { severity: "HIGH", details: [{ affectedCpeUri: "cpe:/o:debian:debian_linux:12", affectedPackage: "openssl" }] } };
    try {
      await this.service.createNote(
        create(CreateNoteRequestSchema, { parent: `projects/${project}`, noteId, note: messageFromJson(NoteSchema, json, "note") }),
        {},
      );
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("exists")) throw error;
    }
  }

  /** Stores an occurrence (proto3 JSON) in a project. */
  async occurrence(project: string, json: Record<string, unknown>): Promise<string> {
    const stored = await this.service.createOccurrence(
      create(CreateOccurrenceRequestSchema, {
        parent: `projects/${project}`,
        occurrence: messageFromJson(OccurrenceSchema, json as JsonValue, "occurrence"),
      }),
      {},
    );
    return stored.name;
  }

  /** Stores a v1 attestation: `payload` signed (detached) by `signature`, naming `publicKeyId`. */
  async attestation(
    noteReference: string,
    resourceUri: string,
    payload: Uint8Array,
    signature: Uint8Array,
    publicKeyId: string,
    project = "attestations",
  ): Promise<string> {
    await this.note(noteReference);
    return this.occurrence(project, {
      resourceUri,
      noteName: noteReference,
      attestation: {
        serializedPayload: Buffer.from(payload).toString("base64"),
        signatures: [{ signature: Buffer.from(signature).toString("base64"), publicKeyId }],
      },
    });
  }

  /** Signs a simple-signing payload for `signedImage` with a PKIX key and stores it for `resourceImage`. */
  async pkixAttestation(
    noteReference: string,
    key: PkixKeyPair,
    signedImage: string,
    options: { resourceImage?: string; keyId?: string; project?: string } = {},
  ): Promise<string> {
    const payload = simpleSigningPayload(parseImageReference(signedImage));
    const signed = signWithPrivateKey(key.privatePem, payload, options.keyId === undefined ? {} : { keyId: options.keyId });
    return this.attestation(
      noteReference,
      `https://${options.resourceImage ?? signedImage}`,
      payload,
      signed.signature,
      signed.keyId,
      options.project,
    );
  }

  /** Stores a VULNERABILITY occurrence for an image. */
  async vulnerability(
    image: string,
    cve: string,
    severity: string,
    options: { fixable?: boolean; project?: string; noteProject?: string } = {},
  ): Promise<string> {
    const noteReference = `projects/${options.noteProject ?? "goog-vulnz"}/notes/${cve}`;
    await this.note(noteReference, "vulnerability");
    const fixable = options.fixable ?? true;
    return this.occurrence(options.project ?? "kritis", {
      resourceUri: `https://${image}`,
      noteName: noteReference,
      vulnerability: {
        severity,
        effectiveSeverity: severity,
        shortDescription: cve,
        packageIssue: [
          {
            affectedCpeUri: "cpe:/o:debian:debian_linux:12",
            affectedPackage: "openssl",
            affectedVersion: { kind: "NORMAL", name: "3.0.0" },
            ...(fixable
              ? {
                  fixedVersion: { kind: "NORMAL", name: "3.0.9" },
                  fixedCpeUri: "cpe:/o:debian:debian_linux:12",
                  fixedPackage: "openssl",
                  fixAvailable: true,
                }
              : { fixedVersion: { kind: "MAXIMUM" } }),
          },
        ],
      },
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * Runs the review steps one by one (plan, fetch, verify, evaluate) so tests
 * exercise the pure evaluation on real evidence.
 */
export async function evaluateWith(
  input: AdmissionInput,
  policies: PolicySet,
  source: MetadataSource,
  options: { now?: Date; snapshot?: MetadataSnapshot } = {},
): Promise<{ decision: AdmissionDecision; message: string; warnings: string[] }> {
  const plan = planAdmission(input, policies);
  const snapshot = options.snapshot ?? (await fetchMetadata(plan, source));
  const evidence = await verifyEvidence(plan, snapshot, new AuthorityKeyring(), { now: options.now ?? new Date() });
  const decision = evaluateAdmission(input, policies, evidence, { plan });
  return { decision, message: formatDenialMessage(decision), warnings: formatWarnings(decision) };
}
