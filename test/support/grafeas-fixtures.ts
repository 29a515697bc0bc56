/**
 * @module test/support/grafeas-fixtures
 *
 * Valid notes and occurrences in the official client's object shape (which is
 * also the proto3 JSON shape when bytes are given as base64 text), and small
 * readers for what the client returns.
 */
import { createHash } from "node:crypto";

/** The image of the 2017 walkthrough. */
export const paymentDigest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
export const paymentImage = `https://gcr.io/hightowerlabs/payment@${paymentDigest}`;

/** A distinct image URL per label, so filters by resource can tell them apart. */
export const imageUrl = (label: string) =>
  `https://registry.example/${label}@sha256:${createHash("sha256").update(label).digest("hex")}`;

export function attestationNote(hint = "qa") {
  return {
    shortDescription: `the ${hint} attestation authority`,
    longDescription: "images that passed this stage",
    attestation: { hint: { humanReadableName: hint } },
  };
}

export function buildNote(builderVersion = "1.0.0") {
  return { shortDescription: "a build", build: { builderVersion } };
}

export function vulnerabilityNote() {
  return {
    shortDescription: "CVE-2024-0001",
    vulnerability: {
      severity: "HIGH" as const,
      cvssScore: 7.5,
      details: [{ affectedCpeUri: "cpe:/o:debian:debian_linux:12", affectedPackage: "openssl" }],
    },
  };
}

export function attestationOccurrence(noteName: string, resourceUri: string, payload = paymentDigest) {
  return {
    resourceUri,
    noteName,
    attestation: {
      serializedPayload: Buffer.from(payload),
      signatures: [{ signature: Buffer.from(`signature over ${payload}`), publicKeyId: "openpgp4fpr:0123456789ABCDEF0123456789ABCDEF01234567" }],
    },
  };
}

export type Severity = "MINIMAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

export function vulnerabilityOccurrence(noteName: string, resourceUri: string, effectiveSeverity: Severity) {
  return {
    resourceUri,
    noteName,
    vulnerability: {
      severity: effectiveSeverity,
      effectiveSeverity,
      packageIssue: [
        {
          affectedCpeUri: "cpe:/o:debian:debian_linux:12",
          affectedPackage: "openssl",
          affectedVersion: { name: "3.0.1", kind: "NORMAL" as const },
          fixedVersion: { kind: "MAXIMUM" as const },
        },
      ],
    },
  };
}

/** A google.protobuf.Timestamp as the client returns it, in milliseconds. */
export function millisOf(timestamp: { seconds?: unknown; nanos?: unknown } | null | undefined): number {
  if (timestamp === null || timestamp === undefined) return NaN;
  return Number(timestamp.seconds ?? 0) * 1000 + Math.floor(Number(timestamp.nanos ?? 0) / 1e6);
}

/** Bytes as the client returns them (Buffer, Uint8Array or base64 text), as UTF-8 text. */
export function textOf(bytes: unknown): string {
  if (typeof bytes === "string") return Buffer.from(bytes, "base64").toString("utf8");
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString("utf8");
  throw new Error(`not bytes: ${String(bytes)}`);
}

/** `projects/P/occurrences/<UUIDv4>` */
export const generatedOccurrenceName = (project: string) =>
  new RegExp(`^projects/${project}/occurrences/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`);

export const sortedNames = (items: readonly { name?: string | null }[]) => items.map((i) => i.name ?? "").sort();
