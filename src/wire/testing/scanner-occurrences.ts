/**
 * @module wire/testing/scanner-occurrences
 *
 * A realistic pair of occurrences for the tests of the gRPC codecs and of
 * BatchCreateOccurrences over the gRPC edge.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { NoteKind } from "../../gen/grafeas/v1/common_pb.js";
import { CVSSVersion } from "../../gen/grafeas/v1/cvss_pb.js";
import { OccurrenceSchema, type Occurrence } from "../../gen/grafeas/v1/grafeas_pb.js";
import { Version_VersionKind } from "../../gen/grafeas/v1/package_pb.js";
import { Severity } from "../../gen/grafeas/v1/severity_pb.js";

const uri = `https://registry.example.com/team/service@sha256:${"d".repeat(64)}`;

/**
 * What a scanner posts in one BatchCreateOccurrences call: the bench's two
 * kinds (a vulnerability and an attestation on one image), with client-sent
 * server fields, text beyond ASCII, bytes and enums. The notes they name are
 * `projects/notes/notes/CVE-2024-10001` (also by a `locations/eu` name) and
 * `projects/notes/notes/qa-attestor`.
 */
export function scannerOccurrences(): Occurrence[] {
  const vulnerability = create(OccurrenceSchema, {
    name: "projects/elsewhere/occurrences/client-chosen",
    kind: NoteKind.BUILD,
    createTime: timestampFromMs(0),
    updateTime: timestampFromMs(1),
    resourceUri: uri,
    noteName: "projects/notes/locations/eu/notes/CVE-2024-10001",
    details: {
      case: "vulnerability",
      value: {
        severity: Severity.CRITICAL,
        cvssScore: 9.8,
        cvssVersion: CVSSVersion.CVSS_VERSION_3,
        shortDescription: "Pufferüberlauf — 日本語の説明 🚀",
        fixAvailable: true,
        relatedUrls: [{ url: "https://security-tracker.debian.org/tracker/CVE-2024-10001", label: "Debian tracker" }],
        packageIssue: [
          {
            affectedCpeUri: "cpe:/o:debian:debian_linux:12",
            affectedPackage: "openssl",
            affectedVersion: { name: "3.0.11", revision: "1~deb12u2", kind: Version_VersionKind.NORMAL },
            fixedCpeUri: "cpe:/o:debian:debian_linux:12",
            fixedPackage: "openssl",
            fixedVersion: { name: "3.0.13", revision: "1~deb12u1", kind: Version_VersionKind.NORMAL },
            packageType: "OS",
            effectiveSeverity: Severity.CRITICAL,
            fileLocation: [{ filePath: "/var/lib/dpkg/status" }],
          },
        ],
      },
    },
  });
  const attestation = create(OccurrenceSchema, {
    resourceUri: uri,
    noteName: "projects/notes/notes/qa-attestor",
    details: {
      case: "attestation",
      value: {
        serializedPayload: new TextEncoder().encode('{"critical":{"type":"atomic container signature"}}'),
        signatures: [{ signature: new Uint8Array([0, 1, 254, 255]), publicKeyId: "ni:///sha-256;2bjCmq3X6ZgQh9m7rCw4Wnnp" }],
      },
    },
  });
  return [vulnerability, attestation];
}
