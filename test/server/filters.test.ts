/**
 * Filters that work (upstream ignores them), sent the way real clients send
 * them through the official client over both transports: kinds (v1 and
 * v1beta1 names), resource URLs in every spelling, note projects and IDs,
 * nested vulnerability fields, OR/NOT, wildcards and time comparisons.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { expectFailure, grafeasClients, transportNames, type GrafeasClients } from "../support/grafeas-clients.js";
import {
  attestationNote,
  attestationOccurrence,
  buildNote,
  imageUrl,
  vulnerabilityNote,
  vulnerabilityOccurrence,
  type Severity,
} from "../support/grafeas-fixtures.js";
import { http, okJson, q } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

/** Microseconds since the epoch of an RFC 3339 time with up to 9 fractional digits. */
function micros(rfc3339: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(rfc3339);
  assert.ok(match, `not RFC 3339: ${rfc3339}`);
  const fraction = (match[2] ?? "").padEnd(9, "0");
  return Date.parse(`${match[1]}Z`) * 1000 + Math.floor(Number(fraction) / 1000);
}

for (const store of storeKinds) {
  describe(`filters through the official client (${store} store)`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let clients: GrafeasClients;
    /** The authority projects holding the notes, and the workload project holding the occurrences. */
    let authority: string;
    let otherAuthority: string;
    let workload: string;
    const img1 = imageUrl("filters/app-one");
    const img2 = imageUrl("filters/app-two");
    /** Occurrence label (its remediation text) → its createTime as the server writes it. */
    const createTimes = new Map<string, string>();

    before(async () => {
      server = await startTestServer({ store });
      clients = grafeasClients(server.port);
      authority = uniqueProject("filters-authority");
      otherAuthority = uniqueProject("filters-other-authority");
      workload = uniqueProject("filters-workload");
      const c = clients.grpc;
      await c.createNote({ parent: `projects/${authority}`, noteId: "qa", note: attestationNote("qa") });
      await c.createNote({ parent: `projects/${authority}`, noteId: "cve-1", note: vulnerabilityNote() });
      await c.createNote({ parent: `projects/${authority}`, noteId: "build", note: buildNote() });
      await c.createNote({ parent: `projects/${otherAuthority}`, noteId: "qa", note: attestationNote("other") });
      const qa = `projects/${authority}/notes/qa`;
      const otherQa = `projects/${otherAuthority}/notes/qa`;
      const cve = `projects/${authority}/notes/cve-1`;
      const vulnerability = (image: string, severity: Severity) => vulnerabilityOccurrence(cve, image, severity);
      const occurrences: [string, object][] = [
        ["o1", attestationOccurrence(qa, img1)],
        ["o2", attestationOccurrence(otherQa, img1)],
        ["o3", vulnerability(img1, "CRITICAL")],
        ["o4", vulnerability(img2, "LOW")],
        ["o5", vulnerability(img2, "CRITICAL")],
        ["o6", attestationOccurrence(qa, img2)],
      ];
      // One by one, so creation order (and so createTime order) is the label order.
      for (const [label, occurrence] of occurrences) {
        await c.createOccurrence({ parent: `projects/${workload}`, occurrence: { ...occurrence, remediation: label } });
      }
      const listed = okJson(await http(server.baseUrl, "GET", `/v1/projects/${workload}/occurrences`));
      for (const o of listed.occurrences as { remediation: string; createTime: string }[]) createTimes.set(o.remediation, o.createTime);
    });

    after(async () => {
      await clients?.close();
      await server?.close();
    });

    for (const transport of transportNames) {
      const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);

      async function labels(filter: string): Promise<string[]> {
        const [occurrences] = await client().listOccurrences({ parent: `projects/${workload}`, filter });
        return occurrences.map((o) => o.remediation ?? "").sort();
      }

      const cases: readonly [string, () => string, string[]][] = [
        ['kind="ATTESTATION"', () => 'kind="ATTESTATION"', ["o1", "o2", "o6"]],
        ["resourceUrl (the name GCP still accepts)", () => `resourceUrl="${img1}"`, ["o1", "o2", "o3"]],
        ['Kritis\' resource_url="…" AND kind="PACKAGE_VULNERABILITY"', () => `resource_url="${img1}" AND kind="PACKAGE_VULNERABILITY"`, ["o3"]],
        ["Google's sample: kind = \"VULNERABILITY\" AND resourceUri = \"…\"", () => `kind = "VULNERABILITY" AND resourceUri = "${img2}"`, ["o4", "o5"]],
        ["resource_uri with a trailing * wildcard", () => `resource_uri="${img2.split("@")[0]}@*"`, ["o4", "o5", "o6"]],
        ["noteProjectId", () => `noteProjectId="${otherAuthority}"`, ["o2"]],
        ["noteProjectId AND noteId", () => `noteProjectId="${authority}" AND noteId="qa"`, ["o1", "o6"]],
        ["noteName", () => `noteName="projects/${authority}/notes/cve-1"`, ["o3", "o4", "o5"]],
        ['vulnerability.effectiveSeverity="CRITICAL"', () => 'vulnerability.effectiveSeverity="CRITICAL"', ["o3", "o5"]],
        ["vulnerability.effectiveSeverity >= HIGH (enum order)", () => "vulnerability.effectiveSeverity >= HIGH", ["o3", "o5"]],
        ["OR across different fields", () => `noteProjectId="${otherAuthority}" OR vulnerability.effectiveSeverity="LOW"`, ["o2", "o4"]],
        ["NOT", () => 'NOT kind="VULNERABILITY"', ["o1", "o2", "o6"]],
        ["the - negation", () => '-kind="VULNERABILITY"', ["o1", "o2", "o6"]],
        ["AND NOT", () => `kind="ATTESTATION" AND NOT noteProjectId="${otherAuthority}"`, ["o1", "o6"]],
        ["parentheses around an OR", () => `(remediation="o1" OR remediation="o4") AND resourceUrl="${img2}"`, ["o4"]],
        ["a filter nothing matches", () => 'kind="DEPLOYMENT"', []],
      ];
      for (const [what, filter, expected] of cases) {
        test(`${transport}: ListOccurrences filtered by ${what}`, async () => {
          assert.deepEqual(await labels(filter()), expected);
        });
      }

      test(`${transport}: createTime comparisons split the occurrences at a given instant`, async () => {
        const pivot = createTimes.get("o4")!;
        const atOrAfter = [...createTimes].filter(([, t]) => micros(t) >= micros(pivot)).map(([l]) => l).sort();
        const earlier = [...createTimes].filter(([, t]) => micros(t) < micros(pivot)).map(([l]) => l).sort();
        assert.ok(atOrAfter.includes("o6") && earlier.includes("o1"));
        assert.deepEqual(await labels(`createTime >= "${pivot}"`), atOrAfter);
        assert.deepEqual(await labels(`createTime < "${pivot}"`), earlier);
        assert.deepEqual(await labels(`create_time > "2000-01-01T00:00:00Z" AND updateTime < "2999-01-01T00:00:00Z"`), ["o1", "o2", "o3", "o4", "o5", "o6"]);
      });

      test(`${transport}: ListNotes filtered by kind`, async () => {
        const [vulnerabilities] = await client().listNotes({ parent: `projects/${authority}`, filter: 'kind="VULNERABILITY"' });
        assert.deepEqual(vulnerabilities.map((n) => n.name), [`projects/${authority}/notes/cve-1`]);
        const [either] = await client().listNotes({ parent: `projects/${authority}`, filter: 'kind="ATTESTATION" OR kind="BUILD"' });
        assert.deepEqual(either.map((n) => n.name).sort(), [`projects/${authority}/notes/build`, `projects/${authority}/notes/qa`]);
      });

      test(`${transport}: ListNoteOccurrences filtered by resource`, async () => {
        const [occurrences] = await client().listNoteOccurrences({ name: `projects/${authority}/notes/qa`, filter: `resourceUrl="${img2}"` });
        assert.deepEqual(occurrences.map((o) => o.remediation), ["o6"]);
      });

      test(`${transport}: a malformed filter is INVALID_ARGUMENT with the position of the mistake`, async () => {
        const failure = await expectFailure(
          transport,
          client().listOccurrences({ parent: `projects/${workload}`, filter: 'kind="ATTESTATION" AND (resourceUrl="x"' }),
          "INVALID_ARGUMENT",
        );
        assert.match(failure.message, /^invalid filter at column \d+: /);
      });

      test(`${transport}: a filter on an unknown field is INVALID_ARGUMENT naming the field and its column`, async () => {
        const failure = await expectFailure(
          transport,
          client().listOccurrences({ parent: `projects/${workload}`, filter: 'kind="ATTESTATION" AND vulnerability.colour="red"' }),
          "INVALID_ARGUMENT",
        );
        assert.match(failure.message, /^invalid filter at column 38: .*"colour"/);
      });
    }

    test("ListProjects takes a filter on the project name", async () => {
      const reply = okJson(await http(server.baseUrl, "GET", `/v1/projects?filter=${q(`name="projects/${workload}"`)}`));
      assert.deepEqual(reply, { projects: [{ name: `projects/${workload}` }] });
    });

    test("a filter sent as a raw query parameter is applied exactly as through the client", async () => {
      const reply = okJson(await http(server.baseUrl, "GET", `/v1/projects/${workload}/occurrences?filter=${q(`resource_url="${img1}" AND kind="PACKAGE_VULNERABILITY"`)}`));
      assert.deepEqual(reply.occurrences.map((o: { remediation: string }) => o.remediation), ["o3"]);
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}
