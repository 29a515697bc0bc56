/**
 * @module wire/v1alpha1/v1alpha1-json
 *
 * Translates the 2017 v1alpha1 JSON (what the original Grafeas blog post and
 * its tutorial send) to grafeas.v1 JSON and back. The objects live once, as
 * v1 notes and occurrences; v1alpha1 is only a spelling at the edge.
 *
 * Notes: `attestationAuthority` ↔ `attestation`, `vulnerabilityType` ↔
 * `vulnerability`, `buildType` ↔ `build`, `deployable` ↔ `deployment`,
 * `discovery` ↔ `discovery`, `baseImage` ↔ `image`, `package` ↔ `package`.
 * Occurrences: `resourceUrl` ↔ `resourceUri`; `attestation` (2017) and
 * `attestationDetails` (later) `.pgpSignedAttestation` ↔ `attestation` with
 * one signature; `vulnerabilityDetails`, `buildDetails`, `derivedImage`,
 * `installation`, `deployment`, `discovered` ↔ their v1 details.
 *
 * A PGP signed attestation becomes a v1 AttestationOccurrence whose single
 * signature holds the armored signature and whose `serializedPayload` holds
 * the text it signs (copied out of the clearsigned or attached message, not
 * trusted: verifiers check the signature covers exactly those bytes). The
 * v1alpha1 `contentType` has no v1 field: it reads back as
 * `SIMPLE_SIGNING_JSON` when the payload is simple-signing JSON, else
 * `CONTENT_TYPE_UNSPECIFIED`.
 */
import { invalidArgument } from "../../errors.js";

export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function objectAt(value: unknown, field: string): Json {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalidArgument(`${field} must be a JSON object`);
  return value;
}

/** Copies the listed fields that are present (renamed as `from: to`). */
function pick(source: Json, fields: Record<string, string>): Json {
  const out: Json = {};
  for (const [from, to] of Object.entries(fields)) {
    if (source[from] !== undefined) out[to] = source[from];
  }
  return out;
}

function refuseUnknown(source: Json, known: readonly string[], what: string): void {
  const unknown = Object.keys(source).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(`${what} has fields v1alpha1 does not define: ${unknown.join(", ")}`);
  }
}

// ---- Kinds ------------------------------------------------------------------

const alphaKindOf: Record<string, string> = {
  VULNERABILITY: "PACKAGE_VULNERABILITY",
  BUILD: "BUILD_DETAILS",
  IMAGE: "IMAGE_BASIS",
  PACKAGE: "PACKAGE_MANAGER",
  DEPLOYMENT: "DEPLOYABLE",
  DISCOVERY: "DISCOVERY",
  ATTESTATION: "ATTESTATION_AUTHORITY",
};
const v1KindOf: Record<string, string> = Object.fromEntries(
  Object.entries(alphaKindOf).map(([v1, alpha]) => [alpha, v1]),
);

// ---- Nested detail shapes ---------------------------------------------------

function vulnerabilityNoteToV1(alpha: Json): Json {
  const details = Array.isArray(alpha.details) ? (alpha.details as unknown[]) : [];
  return {
    ...pick(alpha, { cvssScore: "cvssScore", severity: "severity" }),
    details: details.map((d, i) => {
      const detail = objectAt(d, `vulnerabilityType.details[${i}]`);
      const fixed = objectAt(detail.fixedLocation, `vulnerabilityType.details[${i}].fixedLocation`);
      return {
        ...pick(detail, {
          cpeUri: "affectedCpeUri",
          package: "affectedPackage",
          minAffectedVersion: "affectedVersionStart",
          maxAffectedVersion: "affectedVersionEnd",
          severityName: "severityName",
          description: "description",
          packageType: "packageType",
          isObsolete: "isObsolete",
        }),
        ...pick(fixed, { cpeUri: "fixedCpeUri", package: "fixedPackage", version: "fixedVersion" }),
      };
    }),
  };
}

function vulnerabilityNoteToAlpha(v1: Json): Json {
  const details = Array.isArray(v1.details) ? (v1.details as Json[]) : [];
  return {
    ...pick(v1, { cvssScore: "cvssScore", severity: "severity" }),
    details: details.map((d) => {
      const fixedLocation = pick(d, { fixedCpeUri: "cpeUri", fixedPackage: "package", fixedVersion: "version" });
      return {
        ...pick(d, {
          affectedCpeUri: "cpeUri",
          affectedPackage: "package",
          affectedVersionStart: "minAffectedVersion",
          affectedVersionEnd: "maxAffectedVersion",
          severityName: "severityName",
          description: "description",
          packageType: "packageType",
          isObsolete: "isObsolete",
        }),
        ...(Object.keys(fixedLocation).length > 0 ? { fixedLocation } : {}),
      };
    }),
  };
}

function packageIssueToV1(issue: Json, field: string): Json {
  const affected = objectAt(issue.affectedLocation, `${field}.affectedLocation`);
  const fixed = objectAt(issue.fixedLocation, `${field}.fixedLocation`);
  return {
    ...pick(affected, { cpeUri: "affectedCpeUri", package: "affectedPackage", version: "affectedVersion" }),
    ...pick(fixed, { cpeUri: "fixedCpeUri", package: "fixedPackage", version: "fixedVersion" }),
  };
}

function packageIssueToAlpha(issue: Json): Json {
  return {
    affectedLocation: pick(issue, { affectedCpeUri: "cpeUri", affectedPackage: "package", affectedVersion: "version" }),
    fixedLocation: pick(issue, { fixedCpeUri: "cpeUri", fixedPackage: "package", fixedVersion: "version" }),
    ...pick(issue, { effectiveSeverity: "severityName" }),
  };
}

// ---- Notes --------------------------------------------------------------------

const noteCommon = ["name", "shortDescription", "longDescription", "relatedUrl", "expirationTime", "relatedNoteNames"];
const noteOutputOnly = ["kind", "createTime", "updateTime", "operationName"];

export function noteToV1(alpha: unknown): Json {
  const note = objectAt(alpha, "note");
  const details = ["attestationAuthority", "vulnerabilityType", "buildType", "deployable", "discovery", "baseImage", "package"];
  refuseUnknown(note, [...noteCommon, ...noteOutputOnly, ...details], "note");
  const v1 = pick(note, Object.fromEntries(noteCommon.map((f) => [f, f])));
  if (note.attestationAuthority !== undefined) {
    v1.attestation = pick(objectAt(note.attestationAuthority, "attestationAuthority"), { hint: "hint" });
  }
  if (note.vulnerabilityType !== undefined) {
    v1.vulnerability = vulnerabilityNoteToV1(objectAt(note.vulnerabilityType, "vulnerabilityType"));
  }
  if (note.buildType !== undefined) {
    v1.build = pick(objectAt(note.buildType, "buildType"), { builderVersion: "builderVersion" });
  }
  if (note.deployable !== undefined) {
    v1.deployment = pick(objectAt(note.deployable, "deployable"), { resourceUri: "resourceUri" });
  }
  if (note.discovery !== undefined) {
    const kind = objectAt(note.discovery, "discovery").analysisKind;
    v1.discovery = kind === undefined ? {} : { analysisKind: typeof kind === "string" ? (v1KindOf[kind] ?? kind) : kind };
  }
  if (note.baseImage !== undefined) {
    v1.image = pick(objectAt(note.baseImage, "baseImage"), { resourceUrl: "resourceUrl", fingerprint: "fingerprint" });
  }
  if (note.package !== undefined) {
    v1.package = pick(objectAt(note.package, "package"), { name: "name", distribution: "distribution" });
  }
  return v1;
}

export function noteToAlpha(v1: Json): Json {
  const alpha = pick(v1, Object.fromEntries([...noteCommon, "createTime", "updateTime"].map((f) => [f, f])));
  alpha.kind = alphaKindOf[String(v1.kind)] ?? "KIND_UNSPECIFIED";
  if (isObject(v1.attestation)) alpha.attestationAuthority = pick(v1.attestation, { hint: "hint" });
  if (isObject(v1.vulnerability)) alpha.vulnerabilityType = vulnerabilityNoteToAlpha(v1.vulnerability);
  if (isObject(v1.build)) alpha.buildType = pick(v1.build, { builderVersion: "builderVersion" });
  if (isObject(v1.deployment)) alpha.deployable = pick(v1.deployment, { resourceUri: "resourceUri" });
  if (isObject(v1.discovery)) {
    const kind = v1.discovery.analysisKind;
    alpha.discovery = typeof kind === "string" ? { analysisKind: alphaKindOf[kind] ?? kind } : {};
  }
  if (isObject(v1.image)) alpha.baseImage = pick(v1.image, { resourceUrl: "resourceUrl", fingerprint: "fingerprint" });
  if (isObject(v1.package)) alpha.package = pick(v1.package, { name: "name", distribution: "distribution" });
  return alpha;
}

// ---- Occurrences ---------------------------------------------------------------

const occurrenceOutputOnly = ["name", "kind", "createTime", "updateTime", "operationName"];
const occurrenceDetails = [
  "attestation",
  "attestationDetails",
  "vulnerabilityDetails",
  "buildDetails",
  "derivedImage",
  "derivedImageDetails",
  "installation",
  "installationDetails",
  "deployment",
  "deploymentDetails",
  "discovered",
  "discoveredDetails",
];

/** What the edge needs to turn a PGP signed attestation into v1 bytes. */
export interface PgpSignedAttestation {
  /** The armored signature text. */
  readonly armored: string;
  readonly pgpKeyId: string;
}

/**
 * The v1alpha1 `signature` is base64 of the armored text (what the tutorial
 * uploads) or, as in v1beta1, the armored text itself.
 */
export function armoredSignatureOf(signature: unknown): string {
  if (typeof signature !== "string" || signature.trim() === "") {
    throw invalidArgument("attestation.pgpSignedAttestation.signature is required");
  }
  if (signature.trimStart().startsWith("-----BEGIN PGP")) return signature;
  const decoded = Buffer.from(signature.replace(/\s+/g, ""), "base64").toString("utf8");
  if (!decoded.trimStart().startsWith("-----BEGIN PGP")) {
    throw invalidArgument(
      "attestation.pgpSignedAttestation.signature must be an ASCII-armored PGP signature or base64 of one",
    );
  }
  return decoded;
}

/**
 * v1alpha1 occurrence → v1 occurrence JSON. `signedText` extracts the text a
 * PGP signature carries (it needs openpgp, so the edge supplies it).
 */
export async function occurrenceToV1(
  alpha: unknown,
  signedText: (armored: string) => Promise<Uint8Array>,
): Promise<Json> {
  const occurrence = objectAt(alpha, "occurrence");
  refuseUnknown(occurrence, ["resourceUrl", "noteName", "remediation", ...occurrenceOutputOnly, ...occurrenceDetails], "occurrence");
  const v1: Json = pick(occurrence, { resourceUrl: "resourceUri", noteName: "noteName", remediation: "remediation" });

  const attestation = occurrence.attestation ?? occurrence.attestationDetails;
  if (attestation !== undefined) {
    const pgp = objectAt(objectAt(attestation, "attestation").pgpSignedAttestation, "attestation.pgpSignedAttestation");
    const armored = armoredSignatureOf(pgp.signature);
    const keyId = typeof pgp.pgpKeyId === "string" ? pgp.pgpKeyId : "";
    if (keyId === "") throw invalidArgument("attestation.pgpSignedAttestation.pgpKeyId is required");
    const payload = await signedText(armored);
    v1.attestation = {
      serializedPayload: Buffer.from(payload).toString("base64"),
      signatures: [{ signature: Buffer.from(armored, "utf8").toString("base64"), publicKeyId: keyId }],
    };
  }
  const vulnerability = occurrence.vulnerabilityDetails;
  if (vulnerability !== undefined) {
    const details = objectAt(vulnerability, "vulnerabilityDetails");
    const issues = Array.isArray(details.packageIssue) ? (details.packageIssue as unknown[]) : [];
    v1.vulnerability = {
      ...pick(details, { type: "type", severity: "severity", cvssScore: "cvssScore", effectiveSeverity: "effectiveSeverity", shortDescription: "shortDescription", longDescription: "longDescription", relatedUrls: "relatedUrls" }),
      packageIssue: issues.map((p, i) => packageIssueToV1(objectAt(p, `vulnerabilityDetails.packageIssue[${i}]`), `vulnerabilityDetails.packageIssue[${i}]`)),
    };
  }
  if (occurrence.buildDetails !== undefined) {
    v1.build = pick(objectAt(occurrence.buildDetails, "buildDetails"), { provenance: "provenance", provenanceBytes: "provenanceBytes" });
  }
  const derived = occurrence.derivedImage ?? occurrence.derivedImageDetails;
  if (derived !== undefined) {
    const inner = objectAt(objectAt(derived, "derivedImage").derivedImage ?? derived, "derivedImage");
    v1.image = pick(inner, { fingerprint: "fingerprint", distance: "distance", layerInfo: "layerInfo", baseResourceUrl: "baseResourceUrl" });
  }
  const installation = occurrence.installation ?? occurrence.installationDetails;
  if (installation !== undefined) {
    const inner = objectAt(objectAt(installation, "installation").installation ?? installation, "installation");
    v1.package = pick(inner, { name: "name", location: "location" });
  }
  const deployment = occurrence.deployment ?? occurrence.deploymentDetails;
  if (deployment !== undefined) {
    const inner = objectAt(objectAt(deployment, "deployment").deployment ?? deployment, "deployment");
    v1.deployment = pick(inner, { userEmail: "userEmail", deployTime: "deployTime", undeployTime: "undeployTime", config: "config", address: "address", resourceUri: "resourceUri", platform: "platform" });
  }
  const discovered = occurrence.discovered ?? occurrence.discoveredDetails;
  if (discovered !== undefined) {
    const inner = objectAt(objectAt(discovered, "discovered").discovered ?? discovered, "discovered");
    v1.discovery = pick(inner, { continuousAnalysis: "continuousAnalysis", analysisStatus: "analysisStatus", cpe: "cpe", lastScanTime: "lastScanTime" });
  }
  return v1;
}

function isSimpleSigning(payloadBase64: unknown): boolean {
  if (typeof payloadBase64 !== "string") return false;
  try {
    const parsed = JSON.parse(Buffer.from(payloadBase64, "base64").toString("utf8")) as unknown;
    return isObject(parsed) && isObject(parsed.critical);
  } catch {
    return false;
  }
}

export function occurrenceToAlpha(v1: Json): Json {
  const alpha = pick(v1, { name: "name", resourceUri: "resourceUrl", noteName: "noteName", remediation: "remediation", createTime: "createTime", updateTime: "updateTime" });
  alpha.kind = alphaKindOf[String(v1.kind)] ?? "KIND_UNSPECIFIED";
  if (isObject(v1.attestation)) {
    const signatures = Array.isArray(v1.attestation.signatures) ? (v1.attestation.signatures as Json[]) : [];
    const first = signatures[0];
    if (first !== undefined) {
      alpha.attestation = {
        pgpSignedAttestation: {
          signature: first.signature,
          contentType: isSimpleSigning(v1.attestation.serializedPayload) ? "SIMPLE_SIGNING_JSON" : "CONTENT_TYPE_UNSPECIFIED",
          pgpKeyId: first.publicKeyId,
        },
      };
    }
  }
  if (isObject(v1.vulnerability)) {
    const issues = Array.isArray(v1.vulnerability.packageIssue) ? (v1.vulnerability.packageIssue as Json[]) : [];
    alpha.vulnerabilityDetails = {
      ...pick(v1.vulnerability, { type: "type", severity: "severity", cvssScore: "cvssScore", effectiveSeverity: "effectiveSeverity", shortDescription: "shortDescription", longDescription: "longDescription", relatedUrls: "relatedUrls" }),
      packageIssue: issues.map(packageIssueToAlpha),
    };
  }
  if (isObject(v1.build)) alpha.buildDetails = pick(v1.build, { provenance: "provenance", provenanceBytes: "provenanceBytes" });
  if (isObject(v1.image)) alpha.derivedImage = { derivedImage: v1.image };
  if (isObject(v1.package)) alpha.installation = { installation: v1.package };
  if (isObject(v1.deployment)) alpha.deployment = { deployment: v1.deployment };
  if (isObject(v1.discovery)) alpha.discovered = { discovered: v1.discovery };
  return alpha;
}
