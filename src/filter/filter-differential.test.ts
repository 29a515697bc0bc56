/**
 * The predicate, SQLite and PostgreSQL must select exactly the same objects
 * for every filter, and those must be the objects written down by hand here.
 * The objects are real protobuf-es messages stored as canonical JSON in
 * tables with the column layout of `store/store.ts`.
 *
 * PostgreSQL is expected at 127.0.0.1:5432 (user postgres, database test); the
 * tables live in a scratch schema that is dropped afterwards. Without it the
 * PostgreSQL part of each case is skipped, unless SCRIBA_REQUIRE_POSTGRES=1.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test, type TestContext } from "node:test";
import { create, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import Database from "better-sqlite3";
import pg from "pg";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import { DeploymentOccurrence_Platform } from "../gen/grafeas/v1/deployment_pb.js";
import {
  DiscoveryOccurrence_AnalysisStatus,
  DiscoveryOccurrence_ContinuousAnalysis,
} from "../gen/grafeas/v1/discovery_pb.js";
import { NoteSchema, OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { Architecture, Version_VersionKind } from "../gen/grafeas/v1/package_pb.js";
import { ProjectSchema } from "../gen/grafeas/v1/project_pb.js";
import { SecretStatus_Status } from "../gen/grafeas/v1/secret_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { VulnerabilityAssessmentNote_Assessment_State } from "../gen/grafeas/v1/vex_pb.js";
import type { CompiledFilter, FilterResource } from "./compiled-filter.js";
import { compileFilter } from "./index.js";
import { seededRandom } from "../testing/seeded-random.js";

// ---------------------------------------------------------------------------
// The dataset
// ---------------------------------------------------------------------------

const imgA = "https://gcr.io/p/img@sha256:aaaa";
const imgB = "https://gcr.io/p/other@sha256:bbbb";
const imgC = "https://docker.io/library/nginx@sha256:cccc";
const injectionQuote = "x' OR '1'='1";
const injectionDrop = '"); DROP TABLE occurrences; --';
const evilKey = "k'); DROP TABLE occurrences; --";

/** An RFC 3339 UTC time with up to nine fractional digits, as a Timestamp. */
function time(iso: string): Timestamp {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(iso);
  if (m === null) throw new Error(`bad test time ${iso}`);
  return create(TimestampSchema, {
    seconds: BigInt(Date.parse(`${m[1]}Z`) / 1000),
    nanos: Number((m[2] ?? "").padEnd(9, "0")),
  });
}

const anHourLater = (t: Timestamp) => create(TimestampSchema, { seconds: t.seconds + 3600n, nanos: t.nanos });

/** 2024-01-01 plus `days`, with an optional fraction such as ".250". */
const day = (days: number, fraction = "") =>
  new Date(Date.UTC(2024, 0, 1 + days)).toISOString().slice(0, 19) + fraction + "Z";

type OccurrenceInit = MessageInitShape<typeof OccurrenceSchema>;
type NoteInit = MessageInitShape<typeof NoteSchema>;

const occurrenceInits: Record<string, OccurrenceInit> = {
  o01: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgA,
    noteName: "projects/goog-analysis/notes/PACKAGE_VULNERABILITY",
    details: {
      case: "vulnerability",
      value: {
        severity: Severity.HIGH,
        effectiveSeverity: Severity.HIGH,
        cvssScore: 7.5,
        fixAvailable: true,
        shortDescription: "CVE-2024-0001",
        packageIssue: [
          {
            affectedPackage: "openssl",
            affectedCpeUri: "cpe:/o:debian:debian_linux:12",
            fixAvailable: true,
            fixedVersion: { name: "3.0.13", kind: Version_VersionKind.NORMAL },
          },
        ],
      },
    },
  },
  o02: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgA,
    noteName: "projects/goog-analysis/notes/CVE-2024-0002",
    details: {
      case: "vulnerability",
      value: {
        severity: Severity.CRITICAL,
        effectiveSeverity: Severity.CRITICAL,
        cvssScore: 9.8,
        packageIssue: [
          { affectedPackage: "glibc", fixAvailable: false },
          { affectedPackage: "zlib", fixAvailable: true },
        ],
      },
    },
  },
  o03: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgB,
    noteName: "projects/goog-analysis/notes/CVE-2024-0003",
    details: {
      case: "vulnerability",
      value: { severity: Severity.LOW, cvssScore: 3.1, packageIssue: [{ affectedPackage: "busybox" }] },
    },
  },
  o04: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgC,
    noteName: "projects/goog-analysis/notes/CVE-2024-0004",
    details: {
      case: "vulnerability",
      value: { severity: Severity.MEDIUM, effectiveSeverity: Severity.LOW, cvssScore: 0, packageIssue: [] },
    },
  },
  o05: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgA,
    noteName: "projects/p1/notes/CVE-local",
    details: { case: "vulnerability", value: {} },
  },
  o06: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgB,
    noteName: "projects/goog-analysis/notes/CVE-2024-0006",
    details: { case: "vulnerability", value: { severity: Severity.MINIMAL, cvssScore: NaN } },
  },
  o07: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: imgB,
    noteName: "projects/goog-analysis/notes/CVE-2024-0007",
    details: { case: "vulnerability", value: { severity: Severity.CRITICAL, cvssScore: Infinity } },
  },
  o08: {
    kind: NoteKind.ATTESTATION,
    resourceUri: imgA,
    noteName: "projects/p1/notes/attestor",
    details: {
      case: "attestation",
      value: {
        serializedPayload: new TextEncoder().encode("payload-1"),
        signatures: [{ publicKeyId: "openpgp4fpr:ABCDEF", signature: new Uint8Array([1, 2, 3]) }],
      },
    },
  },
  o09: {
    kind: NoteKind.ATTESTATION,
    resourceUri: imgC,
    noteName: "projects/p1/notes/attestor",
    details: {
      case: "attestation",
      value: { signatures: [{ publicKeyId: "openpgp4fpr:123456" }, { publicKeyId: "ni:///sha-256;xyz" }] },
    },
  },
  o10: {
    kind: NoteKind.ATTESTATION,
    resourceUri: imgB,
    noteName: "projects/p2/notes/qa-attestor",
    details: { case: "attestation", value: { jwts: [{ compactJwt: "eyJhbGciOi.x.y" }] } },
  },
  o11: {
    kind: NoteKind.BUILD,
    resourceUri: imgA,
    noteName: "projects/p1/notes/build",
    details: {
      case: "build",
      value: {
        provenance: {
          id: "build-1",
          projectId: "p1",
          builderVersion: "1.0",
          buildOptions: { machine: "e2-standard", "a.b": "dotted", [evilKey]: "evil" },
          commands: [
            { name: "docker", args: ["build", "-t", "img"] },
            { name: "push", args: ["push"] },
          ],
        },
        intotoProvenance: { recipe: { definedInMaterial: 9007199254740993n } },
      },
    },
  },
  o12: {
    kind: NoteKind.BUILD,
    resourceUri: imgB,
    noteName: "projects/p1/notes/build",
    details: {
      case: "build",
      value: {
        provenance: { id: "build-2", buildOptions: { machine: "n1" } },
        intotoStatement: {
          type: "https://in-toto.io/Statement/v0.1",
          subject: [{ name: "img", digest: { sha256: "bbbb" } }],
        },
        intotoProvenance: { recipe: { definedInMaterial: -5n } },
      },
    },
  },
  o13: {
    kind: NoteKind.IMAGE,
    resourceUri: imgA,
    noteName: "projects/p1/notes/base-image",
    details: {
      case: "image",
      value: {
        distance: 3,
        fingerprint: { v1Name: "v1", v2Blob: ["sha256:l1", "sha256:l2"] },
        baseResourceUrl: "https://gcr.io/base/debian",
        layerInfo: [{ directive: "RUN", arguments: "apt-get" }],
      },
    },
  },
  o14: {
    kind: NoteKind.IMAGE,
    resourceUri: imgC,
    noteName: "projects/p1/notes/base-image",
    details: { case: "image", value: { distance: 0 } },
  },
  o15: {
    kind: NoteKind.PACKAGE,
    resourceUri: imgA,
    noteName: "projects/p1/notes/pkg-openssl",
    details: {
      case: "package",
      value: {
        name: "openssl",
        packageType: "deb",
        location: [{ cpeUri: "cpe:/a:openssl", path: "/usr/lib", version: { name: "3.0.2", kind: Version_VersionKind.NORMAL } }],
      },
    },
  },
  o16: {
    kind: NoteKind.DEPLOYMENT,
    resourceUri: imgA,
    noteName: "projects/p1/notes/deploy",
    details: {
      case: "deployment",
      value: {
        userEmail: "dev@example.com",
        deployTime: time(day(15, ".5")),
        platform: DeploymentOccurrence_Platform.GKE,
        resourceUri: [imgA, "https://gcr.io/p/sidecar@sha256:dddd"],
      },
    },
  },
  o17: {
    kind: NoteKind.DEPLOYMENT,
    resourceUri: imgB,
    noteName: "projects/p1/notes/deploy",
    details: {
      case: "deployment",
      value: {
        platform: DeploymentOccurrence_Platform.FLEX,
        deployTime: time(day(16)),
        undeployTime: time(day(17)),
        resourceUri: [imgC],
      },
    },
  },
  o18: {
    kind: NoteKind.DEPLOYMENT,
    resourceUri: imgC,
    noteName: "projects/p1/notes/deploy",
    details: { case: "deployment", value: { userEmail: "ops@example.com" } },
  },
  o19: {
    kind: NoteKind.DISCOVERY,
    resourceUri: imgA,
    noteName: "projects/goog-analysis/notes/discovery",
    details: {
      case: "discovery",
      value: {
        analysisStatus: DiscoveryOccurrence_AnalysisStatus.FINISHED_SUCCESS,
        continuousAnalysis: DiscoveryOccurrence_ContinuousAnalysis.ACTIVE,
        lastScanTime: time("2024-02-01T00:00:00Z"),
        analysisCompleted: { analysisType: ["OS", "LANGUAGE"] },
      },
    },
  },
  o20: {
    kind: NoteKind.DISCOVERY,
    resourceUri: imgB,
    noteName: "projects/goog-analysis/notes/discovery",
    details: {
      case: "discovery",
      value: {
        analysisStatus: DiscoveryOccurrence_AnalysisStatus.PENDING,
        lastScanTime: time("2024-02-01T00:00:00.000000001Z"),
        cpe: "cpe:/o:debian",
      },
    },
  },
  o21: {
    kind: NoteKind.DISCOVERY,
    resourceUri: imgC,
    noteName: "projects/goog-analysis/notes/discovery",
    details: {
      case: "discovery",
      value: {
        analysisStatus: DiscoveryOccurrence_AnalysisStatus.FINISHED_FAILED,
        analysisStatusError: { code: 3, message: "boom" },
      },
    },
  },
  o22: {
    kind: NoteKind.UPGRADE,
    resourceUri: imgA,
    noteName: "projects/p1/notes/upgrade",
    details: {
      case: "upgrade",
      value: {
        package: "openssl",
        parsedVersion: { name: "3.1", epoch: 1 },
        distribution: { cpeUri: "cpe:/o:debian", cve: ["CVE-2024-0001", "CVE-2024-0002"] },
      },
    },
  },
  o23: {
    kind: NoteKind.COMPLIANCE,
    resourceUri: imgA,
    noteName: "projects/p1/notes/cis",
    details: {
      case: "compliance",
      value: {
        nonComplianceReason: "root login",
        nonCompliantFiles: [{ path: "/etc/ssh/sshd_config", reason: "PermitRootLogin yes" }],
      },
    },
  },
  o24: {
    kind: NoteKind.DSSE_ATTESTATION,
    resourceUri: imgA,
    noteName: "projects/p1/notes/dsse",
    envelope: { payloadType: "application/vnd.in-toto+json" },
    details: {
      case: "dsseAttestation",
      value: {
        envelope: { payloadType: "application/vnd.in-toto+json", signatures: [{ keyid: "key-1", sig: new Uint8Array([9]) }] },
      },
    },
  },
  o25: {
    kind: NoteKind.SBOM_REFERENCE,
    resourceUri: imgA,
    noteName: "projects/p1/notes/sbom",
    details: {
      case: "sbomReference",
      value: {
        payloadType: "application/vnd.in-toto+json",
        payload: {
          predicateType: "https://bcid.corp.google.com/reference/v0.1",
          predicate: { location: "gs://bucket/sbom.json", digest: { sha256: "ffff" } },
        },
      },
    },
  },
  o26: {
    kind: NoteKind.SECRET,
    resourceUri: imgC,
    noteName: "projects/p1/notes/secret",
    details: {
      case: "secret",
      value: {
        locations: [{ location: { case: "fileLocation", value: { filePath: "/app/.env" } } }],
        statuses: [{ status: SecretStatus_Status.VALID }],
      },
    },
  },
  o27: { noteName: "projects/p1/notes/misc" },
  o28: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: injectionQuote,
    noteName: "projects/p1/notes/CVE-local",
    details: { case: "vulnerability", value: { severity: Severity.HIGH, packageIssue: [{ affectedPackage: "Openssl" }] } },
  },
  o29: {
    kind: NoteKind.VULNERABILITY,
    resourceUri: injectionDrop,
    noteName: "projects/p1/notes/CVE-local",
    details: { case: "vulnerability", value: { severity: Severity.HIGH } },
  },
  o30: { kind: NoteKind.BUILD, resourceUri: "https://example.com/\uFF5E", noteName: "projects/p1/notes/build" },
  o31: { kind: NoteKind.BUILD, resourceUri: "https://example.com/\u{1F600}", noteName: "projects/p1/notes/build" },
  o32: { kind: NoteKind.ATTESTATION, resourceUri: "https://GCR.io/p/img@sha256:aaaa", noteName: "projects/p1/notes/attestor" },
  o33: { kind: NoteKind.ATTESTATION, resourceUri: "https://gcr.io/p/*", noteName: "projects/p1/notes/attestor" },
};

const projectOfOccurrence = (id: string) => (["o31", "o32", "o33"].includes(id) ? "p2" : "p1");

/** Occurrence N was created on 2024-01-01 plus N-1 days; these add fractions of every precision. */
const fractionalCreateTimes: Record<string, string> = { o02: ".250", o03: ".123456", o04: ".123456789" };

const occurrences = Object.entries(occurrenceInits).map(([id, init], index) => {
  const createTime = time(day(index, fractionalCreateTimes[id]));
  return create(OccurrenceSchema, {
    ...init,
    name: `projects/${projectOfOccurrence(id)}/occurrences/${id}`,
    createTime,
    // o27 was never updated.
    updateTime: id === "o27" ? undefined : anHourLater(createTime),
  });
});

const noteInits: Record<string, NoteInit & { project?: string }> = {
  "CVE-local": {
    kind: NoteKind.VULNERABILITY,
    shortDescription: "Local CVE",
    relatedNoteNames: ["projects/goog-analysis/notes/CVE-2024-0001"],
    type: {
      case: "vulnerability",
      value: {
        severity: Severity.HIGH,
        cvssScore: 8.1,
        details: [{ affectedPackage: "openssl", affectedCpeUri: "cpe:/o:debian" }],
      },
    },
  },
  attestor: {
    kind: NoteKind.ATTESTATION,
    shortDescription: "attestor",
    type: { case: "attestation", value: { hint: { humanReadableName: "Security Team" } } },
  },
  "qa-attestor": {
    project: "p2",
    kind: NoteKind.ATTESTATION,
    expirationTime: time("2025-01-01T00:00:00Z"),
    type: { case: "attestation", value: { hint: { humanReadableName: "QA" } } },
  },
  build: {
    kind: NoteKind.BUILD,
    relatedUrl: [{ url: "https://ci.example.com", label: "CI" }],
    type: { case: "build", value: { builderVersion: "1.0" } },
  },
  "base-image": {
    kind: NoteKind.IMAGE,
    type: {
      case: "image",
      value: { resourceUrl: "https://gcr.io/base/debian", fingerprint: { v1Name: "v1", v2Blob: ["sha256:l1"] } },
    },
  },
  "pkg-openssl": {
    kind: NoteKind.PACKAGE,
    type: {
      case: "package",
      value: { name: "openssl", distribution: [{ cpeUri: "cpe:/o:debian", architecture: Architecture.X86 }] },
    },
  },
  deploy: { kind: NoteKind.DEPLOYMENT, type: { case: "deployment", value: { resourceUri: ["https://gcr.io/p/img"] } } },
  discovery: { kind: NoteKind.DISCOVERY, type: { case: "discovery", value: { analysisKind: NoteKind.VULNERABILITY } } },
  upgrade: { kind: NoteKind.UPGRADE, type: { case: "upgrade", value: { package: "openssl", version: { name: "3.1" } } } },
  cis: {
    kind: NoteKind.COMPLIANCE,
    type: {
      case: "compliance",
      value: { title: "CIS 1.1", complianceType: { case: "cisBenchmark", value: { profileLevel: 1, severity: Severity.HIGH } } },
    },
  },
  dsse: {
    kind: NoteKind.DSSE_ATTESTATION,
    type: { case: "dsseAttestation", value: { hint: { humanReadableName: "dsse signer" } } },
  },
  sbom: { kind: NoteKind.SBOM_REFERENCE, type: { case: "sbomReference", value: { format: "CycloneDX", version: "1.4" } } },
  secret: { kind: NoteKind.SECRET, type: { case: "secret", value: {} } },
  vex: {
    kind: NoteKind.VULNERABILITY_ASSESSMENT,
    type: {
      case: "vulnerabilityAssessment",
      value: {
        title: "VEX",
        assessment: { vulnerabilityId: "CVE-2024-0001", state: VulnerabilityAssessmentNote_Assessment_State.NOT_AFFECTED },
      },
    },
  },
  misc: {
    relatedNoteNames: ["projects/p1/notes/CVE-local", "projects/p1/notes/attestor"],
    expirationTime: time("2023-06-01T00:00:00.5Z"),
  },
};

const notes = Object.entries(noteInits).map(([id, { project = "p1", ...init }], index) => {
  const createTime = time(day(index));
  return create(NoteSchema, {
    ...init,
    name: `projects/${project}/notes/${id}`,
    createTime,
    updateTime: anHourLater(createTime),
  });
});

const projectIds = ["p1", "p2", "goog-analysis", "a-b"];

// ---------------------------------------------------------------------------
// Rows, as the stores lay them out
// ---------------------------------------------------------------------------

const micros = (t: Timestamp | undefined) => (t === undefined ? 0 : Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000));

const occurrenceRows = occurrences.map((o) => {
  const [, project, , occurrenceId] = o.name.split("/");
  const [, noteProject, , noteId] = o.noteName.split("/");
  return {
    name: o.name,
    project: project!,
    occurrence_id: occurrenceId!,
    note_name: o.noteName,
    note_project: noteProject!,
    note_id: noteId!,
    kind: NoteKind[o.kind],
    resource_uri: o.resourceUri,
    create_time: micros(o.createTime),
    update_time: micros(o.updateTime),
    data: toJsonString(OccurrenceSchema, o),
  };
});

const noteRows = notes.map((n) => {
  const [, project, , noteId] = n.name.split("/");
  return {
    name: n.name,
    project: project!,
    note_id: noteId!,
    kind: NoteKind[n.kind],
    create_time: micros(n.createTime),
    update_time: micros(n.updateTime),
    data: toJsonString(NoteSchema, n),
  };
});

const projectRows = projectIds.map((project) => ({
  name: `projects/${project}`,
  project,
  data: toJsonString(ProjectSchema, create(ProjectSchema, { name: `projects/${project}` })),
}));

interface Table {
  readonly name: string;
  readonly id: string;
  readonly rows: readonly Record<string, string | number>[];
  /** Column definitions: name → [SQLite type, PostgreSQL type]. */
  readonly columns: Readonly<Record<string, readonly [string, string]>>;
}

// Text columns get a non-C collation in PostgreSQL, to prove the filter's COLLATE "C" decides the order.
const text = ["TEXT", `TEXT COLLATE "en-x-icu"`] as const;
const micro = ["INTEGER", "BIGINT"] as const;
const json = ["TEXT", "JSONB"] as const;

const tables: Record<FilterResource, Table> = {
  occurrence: {
    name: "occurrences",
    id: "occurrence_id",
    rows: occurrenceRows,
    columns: {
      name: text,
      project: text,
      occurrence_id: text,
      note_name: text,
      note_project: text,
      note_id: text,
      kind: text,
      resource_uri: text,
      create_time: micro,
      update_time: micro,
      data: json,
    },
  },
  note: {
    name: "notes",
    id: "note_id",
    rows: noteRows,
    columns: { name: text, project: text, note_id: text, kind: text, create_time: micro, update_time: micro, data: json },
  },
  project: {
    name: "projects",
    id: "project",
    rows: projectRows.map(({ name, project }) => ({ name, project })),
    columns: { name: text, project: text },
  },
};

/** The parsed canonical JSON the memory store would hand to `matches`. */
const documents: Record<FilterResource, { id: string; data: unknown }[]> = {
  occurrence: occurrenceRows.map((r) => ({ id: r.occurrence_id, data: JSON.parse(r.data) })),
  note: noteRows.map((r) => ({ id: r.note_id, data: JSON.parse(r.data) })),
  project: projectRows.map((r) => ({ id: r.project, data: JSON.parse(r.data) })),
};

// ---------------------------------------------------------------------------
// The three evaluators
// ---------------------------------------------------------------------------

const sqlite = new Database(":memory:");
let postgres: pg.Client | undefined;
let postgresProblem = "not connected yet";
const schema = `scriba_filter_test_${process.pid}_${randomBytes(4).toString("hex")}`;

before(async () => {
  for (const table of Object.values(tables)) {
    const columns = Object.entries(table.columns).map(([name, [type]]) => `${name} ${type} NOT NULL`);
    sqlite.exec(`CREATE TABLE ${table.name} (seq INTEGER PRIMARY KEY, ${columns.join(", ")}) STRICT`);
    const names = Object.keys(table.columns);
    const insert = sqlite.prepare(`INSERT INTO ${table.name} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`);
    for (const row of table.rows) insert.run(...names.map((n) => row[n]));
  }

  const client = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: "test", connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    postgresProblem = error instanceof Error ? error.message : String(error);
    return;
  }
  postgres = client;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  for (const table of Object.values(tables)) {
    const columns = Object.entries(table.columns).map(([name, [, type]]) => `${name} ${type} NOT NULL`);
    await client.query(`CREATE TABLE ${table.name} (seq SERIAL PRIMARY KEY, ${columns.join(", ")})`);
    const names = Object.keys(table.columns);
    for (const row of table.rows) {
      await client.query(
        `INSERT INTO ${table.name} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
        names.map((n) => row[n]),
      );
    }
  }
});

after(async () => {
  sqlite.close();
  if (postgres !== undefined) {
    await postgres.query(`DROP SCHEMA ${schema} CASCADE`);
    await postgres.end();
  }
});

function predicateIds(filter: CompiledFilter): string[] {
  return documents[filter.resource].filter((d) => filter.matches(d.data)).map((d) => d.id).sort();
}

/** The filter joins a larger query, as the stores use it: after a condition with its own parameter. */
function sqliteIds(filter: CompiledFilter): string[] {
  const table = tables[filter.resource];
  const { sql, params } = filter.toSql("sqlite");
  const rows = sqlite
    .prepare(`SELECT ${table.id} AS id FROM ${table.name} WHERE project <> ? AND (${sql}) ORDER BY ${table.id}`)
    .all("no-such-project", ...params) as { id: string }[];
  return rows.map((r) => r.id).sort();
}

async function postgresIds(client: pg.Client, filter: CompiledFilter): Promise<string[]> {
  const table = tables[filter.resource];
  const { sql, params } = filter.toSql("postgres", 2);
  const result = await client.query<{ id: string }>(
    `SELECT ${table.id} AS id FROM ${table.name} WHERE project <> $1 AND (${sql})`,
    ["no-such-project", ...params],
  );
  return result.rows.map((r) => r.id).sort();
}

/** Skips the rest of a case when PostgreSQL is missing, unless it is required. */
function requirePostgres(t: TestContext): pg.Client | undefined {
  if (postgres !== undefined) return postgres;
  const message = `PostgreSQL not reachable at 127.0.0.1:5432 (${postgresProblem}); checked the predicate and SQLite only`;
  if (process.env.SCRIBA_REQUIRE_POSTGRES === "1") assert.fail(message);
  t.skip(message);
  return undefined;
}

async function assertSelects(t: TestContext, text: string, resource: FilterResource, expected: readonly string[]) {
  const filter = compileFilter(text, resource);
  assert.ok(filter !== undefined);
  const wanted = [...expected].sort();
  assert.deepEqual(predicateIds(filter), wanted, "the predicate disagrees");
  assert.deepEqual(sqliteIds(filter), wanted, "SQLite disagrees");
  const client = requirePostgres(t);
  if (client !== undefined) assert.deepEqual(await postgresIds(client, filter), wanted, "PostgreSQL disagrees");
}

// ---------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------

const allOccurrences = Object.keys(occurrenceInits);
const allNotes = Object.keys(noteInits);
/** `o(1, 2, 7)` → ["o01", "o02", "o07"] */
const o = (...numbers: number[]) => numbers.map((n) => `o${String(n).padStart(2, "0")}`);
/** o(from…to) */
const oRange = (from: number, to: number) => o(...Array.from({ length: to - from + 1 }, (_, i) => from + i));
const allOccurrencesBut = (...ids: string[]) => allOccurrences.filter((id) => !ids.includes(id));
const allNotesBut = (...ids: string[]) => allNotes.filter((id) => !ids.includes(id));

const vulnerabilities = [...oRange(1, 7), ...o(28, 29)];
const imgAOccurrences = o(1, 2, 5, 8, 11, 13, 15, 16, 19, 22, 23, 24, 25);
const imgBOccurrences = o(3, 6, 7, 10, 12, 17, 20);
const imgCOccurrences = o(4, 9, 14, 18, 21, 26);

const occurrenceCases: readonly (readonly [string, readonly string[]])[] = [
  // kind and its legacy names
  [`kind = "VULNERABILITY"`, vulnerabilities],
  [`kind = 1`, vulnerabilities],
  [`kind = "PACKAGE_VULNERABILITY"`, vulnerabilities],
  [`kind = ATTESTATION_AUTHORITY`, o(8, 9, 10, 32, 33)],
  [`kind = BUILD_DETAILS OR kind = IMAGE_BASIS`, o(11, 12, 30, 31, 13, 14)],
  [`kind = DEPLOYABLE`, o(16, 17, 18)],
  [`kind = PACKAGE_MANAGER`, o(15)],
  [`kind != VULNERABILITY`, allOccurrencesBut(...vulnerabilities)],
  [`kind = NOTE_KIND_UNSPECIFIED`, o(27)],
  [`kind:*`, allOccurrencesBut(...o(27))],
  // Kritis and Google's real filter strings
  [`resource_url="${imgA}" AND kind="PACKAGE_VULNERABILITY"`, o(1, 2, 5)],
  [`resourceUrl="${imgA}" AND noteProjectId="goog-analysis" AND noteId="PACKAGE_VULNERABILITY"`, o(1)],
  [`kind = "VULNERABILITY" AND resourceUrl = "${imgB}"`, o(3, 6, 7)],
  [`resource_url="${imgA}" AND kind="ATTESTATION_AUTHORITY"`, o(8)],
  // the note name and its halves
  [`noteProjectId = "goog-analysis"`, [...o(1, 2, 3, 4, 6, 7), ...o(19, 20, 21)]],
  [`noteName = "projects/p1/notes/attestor"`, o(8, 9, 32, 33)],
  [`note_id = build`, o(11, 12, 30, 31)],
  [`noteId = "CVE-*"`, o(2, 3, 4, 5, 6, 7, 28, 29)],
  // resource URIs: wildcards, case, code point order
  [`resourceUri = "https://gcr.io/p/*"`, [...imgAOccurrences, ...imgBOccurrences, ...o(33)]],
  [String.raw`resourceUri = "https://gcr.io/p/\*"`, o(33)],
  [`resourceUri = "*@sha256:cccc"`, imgCOccurrences],
  [`resourceUri = "*library/ng*"`, imgCOccurrences],
  [`resourceUrl:"nginx"`, imgCOccurrences],
  [`resourceUri:"GCR"`, o(32)],
  [`resourceUri = ""`, o(27)],
  [`resourceUri:*`, allOccurrencesBut(...o(27))],
  [`-resourceUri:*`, o(27)],
  [`resourceUri > "https://example.com/\uFF5E" AND resourceUri < "https://f"`, o(31)],
  [`resourceUri < "https://example.com/\u{1F600}" AND resourceUri > "https://example.com/"`, o(30)],
  [`resourceUri < "https://a"`, o(27, 29, 32)],
  [`name = "projects/p2/*"`, o(31, 32, 33)],
  [`name:"/o1"`, oRange(10, 19)],
  // enums inside the details
  [`vulnerability.severity = HIGH`, o(1, 28, 29)],
  [`vulnerability.severity >= HIGH`, o(1, 2, 7, 28, 29)],
  [`vulnerability.severity < LOW`, allOccurrencesBut(...o(1, 2, 3, 4, 7, 28, 29))],
  [`vulnerability.severity = SEVERITY_UNSPECIFIED AND kind = VULNERABILITY`, o(5)],
  [`vulnerability.effectiveSeverity = LOW`, o(4)],
  // numbers, absent defaults, NaN and Infinity
  [`vulnerability.cvssScore = 0`, allOccurrencesBut(...o(1, 2, 3, 6, 7))],
  [`vulnerability.cvssScore >= 7.5`, o(1, 2, 7)],
  [`vulnerability.cvssScore > 3 AND vulnerability.cvssScore < 9`, o(1, 3)],
  [`vulnerability.cvssScore != 0 AND kind = VULNERABILITY`, o(1, 2, 3, 6, 7)],
  [`NOT vulnerability.cvssScore > 5`, allOccurrencesBut(...o(1, 2, 7))],
  [`vulnerability.cvssScore:*`, o(1, 2, 3, 6, 7)],
  [`vulnerability:*`, vulnerabilities],
  [`vulnerability.fixAvailable = true`, o(1)],
  // repeated messages: some element
  [`vulnerability.packageIssue.fixAvailable = true`, o(1, 2)],
  [`vulnerability.packageIssue.fixAvailable = false`, o(2, 3, 28)],
  [`vulnerability.packageIssue.fixAvailable != true`, allOccurrencesBut(...o(1, 2))],
  [`vulnerability.packageIssue.affectedPackage = "openssl"`, o(1)],
  [`vulnerability.packageIssue.affected_package:"ssl"`, o(1, 28)],
  [`vulnerability.packageIssue:*`, o(1, 2, 3, 28)],
  [`vulnerability.packageIssue.fixedVersion.name = "3.0.13"`, o(1)],
  [`vulnerability.packageIssue.fixedVersion.kind = NORMAL`, o(1)],
  [`vulnerability.packageIssue.fixedVersion:*`, o(1)],
  [`NOT vulnerability.packageIssue.fixed_version:* AND vulnerability.packageIssue:*`, o(2, 3, 28)],
  [`attestation.signatures.publicKeyId = "openpgp4fpr:*"`, o(8, 9)],
  [`attestation.signatures.public_key_id:"ni:///"`, o(9)],
  [`attestation.signatures:*`, o(8, 9)],
  [`attestation.jwts:*`, o(10)],
  [`attestation.serializedPayload:*`, o(8)],
  [`NOT attestation.signatures:* AND kind = ATTESTATION`, o(10, 32, 33)],
  // repeated scalars: membership
  [`deployment.resourceUri:"https://gcr.io/p/sidecar@sha256:dddd"`, o(16)],
  [`deployment.resource_uri = "https://docker.io/*"`, o(17)],
  [`deployment.resourceUri != "${imgA}" AND kind = DEPLOYMENT`, o(17, 18)],
  [`deployment.platform = GKE`, o(16)],
  [`deployment.platform = PLATFORM_UNSPECIFIED AND kind = DEPLOYMENT`, o(18)],
  [`deployment.platform != GKE AND kind = DEPLOYMENT`, o(17, 18)],
  [`discovery.analysisCompleted.analysisType:"LANGUAGE"`, o(19)],
  [`upgrade.distribution.cve:"CVE-2024-0002"`, o(22)],
  [`image.fingerprint.v2Blob:"sha256:l2"`, o(13)],
  // timestamps inside the object (nanosecond precision, absent = epoch)
  [`deployment.deployTime > "2024-01-16T00:00:00Z"`, o(16, 17)],
  [`deployment.deployTime = "2024-01-16T00:00:00.500Z"`, o(16)],
  [`deployment.deployTime = "2024-01-16T01:00:00.5+01:00"`, o(16)],
  [`deployment.undeployTime:*`, o(17)],
  [`discovery.lastScanTime > "2024-02-01T00:00:00Z"`, o(20)],
  [`discovery.lastScanTime >= "2024-02-01T00:00:00Z"`, o(19, 20)],
  [`discovery.lastScanTime < "1970-01-01T00:00:00.000000001Z"`, allOccurrencesBut(...o(19, 20))],
  // enum aliases and orderings, nested messages
  [`discovery.analysisStatus = COMPLETE`, o(19)],
  [`discovery.analysisStatus = FINISHED_SUCCESS`, o(19)],
  [`discovery.analysisStatus >= FINISHED_SUCCESS`, o(19, 21)],
  [`discovery.continuousAnalysis = ACTIVE`, o(19)],
  [`discovery.analysisStatusError.code = 3`, o(21)],
  // maps
  [`build.provenance.buildOptions.machine = "e2-standard"`, o(11)],
  [`build.provenance.buildOptions."a.b" = dotted`, o(11)],
  [`build.provenance.buildOptions:machine`, o(11, 12)],
  [`build.provenance.buildOptions:*`, o(11, 12)],
  [`build.provenance.buildOptions.machine != "n1" AND kind = BUILD`, o(11, 30, 31)],
  [`build.provenance.commands.args = "-t"`, o(11)],
  [`build.provenance.commands.args:"push"`, o(11)],
  [`build.intotoStatement.subject.digest.sha256 = "bbbb"`, o(12)],
  [`build.intotoStatement._type = "https://in-toto.io/Statement/v0.1"`, o(12)],
  [`sbomReference.payload.predicate.digest.sha256 = ffff`, o(25)],
  // int64 keeps its precision
  [`build.intotoProvenance.recipe.definedInMaterial = 9007199254740993`, o(11)],
  [`build.intotoProvenance.recipe.definedInMaterial = 9007199254740992`, []],
  [`build.intotoProvenance.recipe.definedInMaterial < 0`, o(12)],
  [`build.intotoProvenance.recipe.definedInMaterial = 0`, allOccurrencesBut(...o(11, 12))],
  // other kinds
  [`image.distance = 3`, o(13)],
  [`image.distance = 0 AND kind = IMAGE`, o(14)],
  [`package.location.version.name = "3.0.2"`, o(15)],
  [`compliance.nonCompliantFiles.path = "/etc/ssh/*"`, o(23)],
  [`dsseAttestation.envelope.signatures.keyid = "key-1"`, o(24)],
  [`envelope:*`, o(24)],
  [`secret.statuses.status = VALID`, o(26)],
  [`remediation = ""`, allOccurrences],
  // the createTime / updateTime columns (microseconds)
  [`createTime < "2024-01-02T00:00:00Z"`, o(1)],
  [`createTime >= "2024-01-03T00:00:00Z" AND createTime < "2024-01-05T00:00:00Z"`, o(3, 4)],
  [`create_time = "2024-01-04T00:00:00.123456789Z"`, o(4)],
  [`createTime = "2024-01-02T00:00:00.25Z"`, o(2)],
  [`createTime = "2024-01-04T02:00:00.123456+02:00"`, o(4)],
  [`updateTime:*`, allOccurrencesBut(...o(27))],
  [`NOT updateTime:*`, o(27)],
  // AND / OR / NOT mixes
  [`kind = BUILD OR kind = IMAGE AND resourceUri = "${imgA}"`, o(11, 13)],
  [`kind = DEPLOYMENT -deployment.platform = GKE`, o(17, 18)],
  [`NOT (kind = VULNERABILITY OR kind = ATTESTATION) AND resourceUrl = "*cccc"`, o(14, 18, 21, 26)],
  [`(kind = VULNERABILITY AND vulnerability.severity = CRITICAL) OR (kind = ATTESTATION AND noteProjectId = p2)`, o(2, 7, 10)],
  [`kind = VULNERABILITY vulnerability.severity = HIGH OR vulnerability.cvssScore > 9`, o(1, 2, 7, 28, 29)],
];

const noteCases: readonly (readonly [string, readonly string[]])[] = [
  [`kind = ATTESTATION`, ["attestor", "qa-attestor"]],
  [`kind = ATTESTATION_AUTHORITY`, ["attestor", "qa-attestor"]],
  [`kind = NOTE_KIND_UNSPECIFIED`, ["misc"]],
  [`kind != VULNERABILITY AND kind != NOTE_KIND_UNSPECIFIED`, allNotesBut("CVE-local", "misc")],
  [`attestation.hint.humanReadableName = "Security Team"`, ["attestor"]],
  [`attestation.hint.human_readable_name:"QA"`, ["qa-attestor"]],
  [`shortDescription = ""`, allNotesBut("CVE-local", "attestor")],
  [`short_description:*`, ["CVE-local", "attestor"]],
  [`vulnerability.severity = HIGH`, ["CVE-local"]],
  [`vulnerability.cvssScore > 8`, ["CVE-local"]],
  [`vulnerability.details.affectedPackage = openssl`, ["CVE-local"]],
  [`relatedNoteNames:"projects/p1/notes/attestor"`, ["misc"]],
  [`relatedNoteNames = "projects/goog-analysis/*"`, ["CVE-local"]],
  [`relatedNoteNames:*`, ["CVE-local", "misc"]],
  [`NOT relatedNoteNames:*`, allNotesBut("CVE-local", "misc")],
  [`expirationTime < "2024-01-01T00:00:00Z"`, allNotesBut("qa-attestor")],
  [`expirationTime > "2023-06-01T00:00:00Z"`, ["qa-attestor", "misc"]],
  [`expirationTime:*`, ["qa-attestor", "misc"]],
  [`relatedUrl.url = "https://ci.example.com"`, ["build"]],
  [`package.distribution.architecture = X86`, ["pkg-openssl"]],
  [`discovery.analysisKind = PACKAGE_VULNERABILITY`, ["discovery"]],
  [`compliance.cisBenchmark.severity >= HIGH`, ["cis"]],
  [`vulnerabilityAssessment.assessment.state = NOT_AFFECTED`, ["vex"]],
  [`image.fingerprint.v2Blob = "sha256:*"`, ["base-image"]],
  [`sbomReference.format = "CycloneDX" OR secret:*`, ["sbom", "secret"]],
  [`name = "projects/p2/*"`, ["qa-attestor"]],
  [`createTime >= "2024-01-02T00:00:00Z"`, allNotesBut("CVE-local")],
  [`updateTime < "2024-01-02T00:00:00Z"`, ["CVE-local"]],
];

const projectCases: readonly (readonly [string, readonly string[]])[] = [
  [`name = "projects/p1"`, ["p1"]],
  [`name = "projects/p*"`, ["p1", "p2"]],
  [`name:"analysis"`, ["goog-analysis"]],
  [`name != "projects/p1"`, ["p2", "goog-analysis", "a-b"]],
  [`name > "projects/b" OR name = "*-b"`, ["p1", "p2", "goog-analysis", "a-b"]],
];

const describeIds = (ids: readonly string[]) => (ids.length === 0 ? "nothing" : ids.length > 8 ? `${ids.length} objects` : ids.join(", "));

describe("occurrence filters select the same objects in the predicate, SQLite and PostgreSQL", () => {
  for (const [filter, expected] of occurrenceCases) {
    test(`${filter} selects ${describeIds(expected)}`, (t) => assertSelects(t, filter, "occurrence", expected));
  }
});

describe("note filters select the same objects in the predicate, SQLite and PostgreSQL", () => {
  for (const [filter, expected] of noteCases) {
    test(`${filter} selects ${describeIds(expected)}`, (t) => assertSelects(t, filter, "note", expected));
  }
});

describe("project filters select the same objects in the predicate, SQLite and PostgreSQL", () => {
  for (const [filter, expected] of projectCases) {
    test(`${filter} selects ${describeIds(expected)}`, (t) => assertSelects(t, filter, "project", expected));
  }
});


/** Restrictions over every kind of field and comparator, for generated filters. */
const generatedAtoms: readonly string[] = [
  `kind = VULNERABILITY`,
  `kind != BUILD`,
  `kind = ATTESTATION_AUTHORITY`,
  `kind:*`,
  `resourceUri = "https://gcr.io/p/*"`,
  `resourceUri != "*cccc"`,
  `resourceUri:"gcr"`,
  `resourceUri > "https://f"`,
  `resourceUri <= "${imgA}"`,
  `noteProjectId = "goog-analysis"`,
  `noteId = "CVE-*"`,
  `name = "projects/p2/*"`,
  `vulnerability.severity >= HIGH`,
  `vulnerability.severity < 3`,
  `vulnerability.severity != SEVERITY_UNSPECIFIED`,
  `vulnerability.cvssScore > 5`,
  `vulnerability.cvssScore <= 7.5`,
  `vulnerability.cvssScore = 0`,
  `vulnerability.cvssScore:*`,
  `vulnerability.packageIssue.fixAvailable = true`,
  `vulnerability.packageIssue.fixAvailable != false`,
  `vulnerability.packageIssue.affectedPackage:"ssl"`,
  `vulnerability.packageIssue.affectedPackage = "z*"`,
  `vulnerability.packageIssue:*`,
  `deployment.resourceUri = "https://docker.io/*"`,
  `deployment.resourceUri != "${imgA}"`,
  `deployment.deployTime < "2024-01-17T00:00:00Z"`,
  `deployment.deployTime >= "2024-01-16T00:00:00.5Z"`,
  `createTime >= "2024-01-03T00:00:00.123456Z"`,
  `createTime < "2024-01-10T00:00:00Z"`,
  `updateTime:*`,
  `build.provenance.buildOptions.machine = "n1"`,
  `build.provenance.buildOptions.machine != ""`,
  `build.provenance.buildOptions:machine`,
  `build.intotoProvenance.recipe.definedInMaterial > -5`,
  `discovery.analysisStatus >= COMPLETE`,
  `discovery.lastScanTime > "2024-02-01T00:00:00Z"`,
  `image.distance > 0`,
  `attestation.signatures.publicKeyId = "openpgp4fpr:*"`,
  `envelope:*`,
];

function generateFilter(random: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const choice = depth <= 0 ? 0 : Math.floor(random() * 5);
  switch (choice) {
    case 1:
      return `NOT (${generateFilter(random, depth - 1)})`;
    case 2:
      return `(${generateFilter(random, depth - 1)} AND ${generateFilter(random, depth - 1)})`;
    case 3:
      return `(${generateFilter(random, depth - 1)} OR ${generateFilter(random, depth - 1)})`;
    case 4:
      return `(${generateFilter(random, depth - 1)} -${pick(generatedAtoms)})`;
    default:
      return pick(generatedAtoms);
  }
}

describe("generated filters select the same objects in the predicate, SQLite and PostgreSQL", () => {
  const random = seededRandom(160);
  const selectedCounts: number[] = [];
  for (let i = 0; i < 150; i++) {
    const filter = generateFilter(random, 3);
    test(`generated filter ${i + 1}: ${filter}`, async (t) => {
      const compiled = compileFilter(filter, "occurrence")!;
      const expected = predicateIds(compiled);
      selectedCounts.push(expected.length);
      assert.deepEqual(sqliteIds(compiled), expected, "SQLite disagrees with the predicate");
      const client = requirePostgres(t);
      if (client !== undefined) assert.deepEqual(await postgresIds(client, compiled), expected, "PostgreSQL disagrees with the predicate");
    });
  }

  test("at least half of the generated filters select some objects but not all, so agreement means something", () => {
    const partial = selectedCounts.filter((n) => n > 0 && n < allOccurrences.length).length;
    assert.equal(selectedCounts.length, 150);
    assert.ok(partial >= 75, `only ${partial} of 150 generated filters select a proper subset`);
  });
});

describe("values cannot inject SQL", () => {
  const hostile: readonly (readonly [string, readonly string[]])[] = [
    [`resourceUri = "${injectionQuote}"`, o(28)],
    [String.raw`resourceUri = 'x\' OR \'1\'=\'1'`, o(28)],
    [`resourceUri = '${injectionDrop}'`, o(29)],
    [String.raw`resourceUri = "\"); DROP TABLE occurrences; --"`, o(29)],
    [`resourceUri = "*'='1"`, o(28)],
    [`build.provenance.buildOptions."${evilKey}" = evil`, o(11)],
    [`build.provenance.buildOptions:"${evilKey}"`, o(11)],
    [`noteId = "x' OR 1=1 --"`, []],
  ];
  for (const [filter, expected] of hostile) {
    test(`${filter} is matched literally`, async (t) => {
      await assertSelects(t, filter, "occurrence", expected);
      const { sql } = compileFilter(filter, "occurrence")!.toSql("sqlite");
      assert.doesNotMatch(sql, /DROP|'1'|OR 1/);
    });
  }

  test("every table still holds all its rows after the hostile filters", async (t) => {
    for (const table of Object.values(tables)) {
      const { count } = sqlite.prepare(`SELECT count(*) AS count FROM ${table.name}`).get() as { count: number };
      assert.equal(count, table.rows.length, `SQLite ${table.name}`);
    }
    const client = requirePostgres(t);
    if (client === undefined) return;
    for (const table of Object.values(tables)) {
      const result: pg.QueryResult<{ count: string }> = await client.query(`SELECT count(*) AS count FROM ${table.name}`);
      assert.equal(Number(result.rows[0]?.count), table.rows.length, `PostgreSQL ${table.name}`);
    }
  });
});

describe("the dataset", () => {
  test("covers every NoteKind an occurrence can have", () => {
    const kinds = new Set(occurrenceRows.map((r) => r.kind));
    for (const kind of ["VULNERABILITY", "BUILD", "IMAGE", "PACKAGE", "DEPLOYMENT", "DISCOVERY", "ATTESTATION", "UPGRADE", "COMPLIANCE", "DSSE_ATTESTATION", "SBOM_REFERENCE", "SECRET", "NOTE_KIND_UNSPECIFIED"]) {
      assert.ok(kinds.has(kind), kind);
    }
  });

  test("stores proto3 JSON with defaults omitted and non-finite floats as strings", () => {
    const o04 = documents.occurrence.find((d) => d.id === "o04")!.data as { vulnerability: Record<string, unknown> };
    assert.equal(Object.hasOwn(o04.vulnerability, "cvssScore"), false);
    assert.equal(Object.hasOwn(o04.vulnerability, "packageIssue"), false);
    const o06 = documents.occurrence.find((d) => d.id === "o06")!.data as { vulnerability: { cvssScore: unknown } };
    assert.equal(o06.vulnerability.cvssScore, "NaN");
  });
});
