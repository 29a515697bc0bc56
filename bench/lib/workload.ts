/**
 * @module bench/lib/workload
 *
 * The data every suite works with, shaped like a real deployment: notes in a
 * provider project (`bench-notes`: 500 CVE notes and one attestation
 * authority), occurrences in a customer project (`bench`) on image digests,
 * nine in ten of them vulnerability findings as scanners write them (one
 * package issue with affected and fixed versions, CVSS, a related URL; about
 * 900 bytes of JSON) and one in ten attestations.
 *
 * Stores are seeded through {@link GrafeasService} itself, in process: the
 * same validation, server-set fields, ID generation and row derivation
 * (grafeas/rows.ts) as a BatchCreateOccurrences call, minus the wire. The rows
 * are therefore exactly what the server would have written.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createHash } from "node:crypto";
import {
  BatchCreateNotesRequestSchema,
  BatchCreateOccurrencesRequestSchema,
  OccurrenceSchema,
  type NoteSchema,
  type Occurrence,
} from "../../src/gen/grafeas/v1/grafeas_pb.js";
import { CVSSVersion } from "../../src/gen/grafeas/v1/cvss_pb.js";
import { Version_VersionKind } from "../../src/gen/grafeas/v1/package_pb.js";
import { Severity } from "../../src/gen/grafeas/v1/severity_pb.js";
import { GrafeasService } from "../../src/grafeas/grafeas-service.js";
import type { Store } from "../../src/store/store.js";
import { seededRandom } from "./load-window.js";

export const benchProject = "bench";
export const notesProject = "bench-notes";
export const cveNoteCount = 500;
export const attestorNote = `projects/${notesProject}/notes/qa-attestor`;
/** The largest batch grafeas.v1 allows, and the one the ingest figures use. */
export const batchSize = 1000;

const cveId = (n: number) => `CVE-2024-${String(10000 + (n % cveNoteCount)).padStart(5, "0")}`;

/** A pinned image as a Grafeas resource URI; `n` makes distinct images. */
export function imageUri(n: number): string {
  const digest = createHash("sha256").update(`image-${n}`).digest("hex");
  return `https://registry.example.com/team-${n % 40}/service-${n}@sha256:${digest}`;
}

export function vulnerabilityOccurrence(resourceUri: string, n: number): MessageInitShape<typeof OccurrenceSchema> {
  const cve = cveId(n);
  const severities = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL];
  const severity = severities[n % severities.length]!;
  const packageName = ["openssl", "glibc", "zlib", "curl", "libxml2", "busybox"][n % 6]!;
  const cpe = "cpe:/o:debian:debian_linux:12";
  return {
    resourceUri,
    noteName: `projects/${notesProject}/notes/${cve}`,
    details: {
      case: "vulnerability",
      value: {
        severity,
        cvssScore: 4 + (n % 60) / 10,
        cvssVersion: CVSSVersion.CVSS_VERSION_3,
        shortDescription: cve,
        effectiveSeverity: severity,
        fixAvailable: n % 3 !== 0,
        relatedUrls: [{ url: `https://security-tracker.debian.org/tracker/${cve}`, label: "Debian tracker" }],
        packageIssue: [
          {
            affectedCpeUri: cpe,
            affectedPackage: packageName,
            affectedVersion: { name: "3.0.11", revision: "1~deb12u2", kind: Version_VersionKind.NORMAL },
            fixedCpeUri: cpe,
            fixedPackage: packageName,
            fixedVersion: { name: "3.0.13", revision: "1~deb12u1", kind: Version_VersionKind.NORMAL },
            fixAvailable: n % 3 !== 0,
            packageType: "OS",
            effectiveSeverity: severity,
            fileLocation: [{ filePath: "/var/lib/dpkg/status" }],
          },
        ],
      },
    },
  };
}

export function attestationOccurrence(resourceUri: string): MessageInitShape<typeof OccurrenceSchema> {
  const digest = resourceUri.slice(resourceUri.indexOf("@") + 1);
  const payload = JSON.stringify({
    critical: {
      identity: { "docker-reference": resourceUri.slice("https://".length, resourceUri.indexOf("@")) },
      image: { "docker-manifest-digest": digest },
      type: "atomic container signature",
    },
  });
  return {
    resourceUri,
    noteName: attestorNote,
    details: {
      case: "attestation",
      value: {
        serializedPayload: Buffer.from(payload),
        signatures: [
          {
            signature: createHash("sha512").update(payload).digest(),
            publicKeyId: "ni:///sha-256;2bjCmq3X6ZgQh9m7rCw4WnnpXc0gh8YzlJ9Oq9G1J_M",
          },
        ],
      },
    },
  };
}

/** Occurrence `n` of the mix (9 in 10 vulnerabilities) on `resourceUri`. */
export function occurrenceOf(resourceUri: string, n: number): Occurrence {
  const init = n % 10 === 9 ? attestationOccurrence(resourceUri) : vulnerabilityOccurrence(resourceUri, n);
  return create(OccurrenceSchema, init);
}

/** The provider project's notes: one per CVE the occurrences name, and the attestation authority. */
export async function seedNotes(service: GrafeasService): Promise<void> {
  const notes: Record<string, MessageInitShape<typeof NoteSchema>> = {};
  for (let n = 0; n < cveNoteCount; n++) {
    notes[cveId(n)] = {
      shortDescription: cveId(n),
      type: {
        case: "vulnerability",
        value: {
          severity: Severity.HIGH,
          cvssScore: 7.5,
          details: [{ affectedCpeUri: "cpe:/o:debian:debian_linux:12", affectedPackage: "openssl", severityName: "HIGH" }],
        },
      },
    };
  }
  notes["qa-attestor"] = {
    shortDescription: "QA attestor",
    type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } },
  };
  await service.batchCreateNotes(
    create(BatchCreateNotesRequestSchema, { parent: `projects/${notesProject}`, notes }),
    {},
  );
}

export interface SeedPlan {
  /** Occurrence numbers [from, to). */
  readonly from: number;
  readonly to: number;
  /** The resource of occurrence `n`. */
  readonly resourceOf: (n: number) => number;
  readonly onProgress?: ((done: number) => void) | undefined;
}

/** Writes occurrences through BatchCreateOccurrences in batches of 1000; returns their names. */
export async function seedOccurrences(service: GrafeasService, plan: SeedPlan): Promise<string[]> {
  const names: string[] = [];
  for (let start = plan.from; start < plan.to; start += batchSize) {
    const end = Math.min(plan.to, start + batchSize);
    const occurrences: Occurrence[] = [];
    for (let n = start; n < end; n++) occurrences.push(occurrenceOf(imageUri(plan.resourceOf(n)), n));
    const created = await service.batchCreateOccurrences(
      create(BatchCreateOccurrencesRequestSchema, { parent: `projects/${benchProject}`, occurrences }),
      {},
    );
    for (const record of created) names.push(record.name);
    plan.onProgress?.(end - plan.from);
  }
  return names;
}

export function benchService(store: Store): GrafeasService {
  return new GrafeasService({ store });
}

/** Resources spread at random (seeded) over [first, first + count): the pessimistic layout for reads. */
export function randomResources(first: number, count: number, seed: number): (n: number) => number {
  const random = seededRandom(seed);
  return () => first + Math.floor(random() * count);
}
