/**
 * The audit trail and deployment records, written by the admission reviewer
 * through the REST metadata adapter into a real Scriba server on SQLite, and
 * read back with exactly the queries docs/admission-production.md documents,
 * run through the real `scriba occurrence list` command.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MetadataWorld, authorityYaml, ecKeyPair, gapYaml, images, policySet } from "../../src/admission/__fixtures__/admission-world.js";
import type { AdmissionInput } from "../../src/admission/admission-input.js";
import { createDecisionRecorder } from "../../src/admission/records/decision-recorder.js";
import { RecordQueue } from "../../src/admission/records/record-queue.js";
import { restMetadata } from "../../src/admission/rest-metadata.js";
import { createAdmissionReviewer } from "../../src/admission/review-admission.js";
import type { AdmissionReviewer } from "../../src/admission/review-admission.js";
import { unusedLoopbackUrl } from "../../src/cli/__fixtures__/cli-server.js";
import { runCli } from "../../src/cli/main.js";
import { compileFilter } from "../../src/filter/index.js";
import type { JsonObject } from "../../src/policy/crds/field-reader.js";
import { valueAt } from "../../src/policy/crds/test-fixtures.js";
import { openDatabase } from "../../src/store/sqlite/connection.js";
import { occurrenceListSql } from "../../src/store/sqlite/list-sql.js";
import { type TestServer, startTestServer } from "../support/test-server.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const policies = policySet(
  authorityYaml("qa", "shop", qaNote, [{ pkix: qaKey }]),
  gapYaml("require-qa", "shop", ["qa"]),
  authorityYaml("qa", "staging", qaNote, [{ pkix: qaKey }]),
  gapYaml("require-qa", "staging", ["qa"]),
);

let server: TestServer;
let reviewer: AdmissionReviewer;
let queue: RecordQueue;

function podInput(namespace: string, name: string, image: string, uid: string): AdmissionInput {
  return {
    uid: `request-${name}`,
    operation: "CREATE",
    kind: { group: "", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    namespace,
    name,
    user: "alice@example.com",
    object: { metadata: { name, namespace, uid }, spec: { containers: [{ name: "app", image }] } },
  };
}

async function scriba(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { SCRIBA_SERVER: server.baseUrl },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

async function listOccurrences(project: string, filter: string): Promise<JsonObject[]> {
  const run = await scriba(["occurrence", "list", `projects/${project}`, "--filter", filter, "-o", "json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as JsonObject[];
}

const weekAgo = () => new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, "Z");

before(async () => {
  server = await startTestServer({ store: "sqlite" });
  // Attestations go into the server's own store, as a signer would put them there.
  await new MetadataWorld(server.server.services.grafeas.store).pkixAttestation(qaNote, qaKey, images.web);
  const metadata = restMetadata({ baseUrl: server.baseUrl });
  queue = new RecordQueue();
  reviewer = createAdmissionReviewer({
    policies,
    metadata,
    recorder: createDecisionRecorder({
      metadata,
      queue,
      cluster: "prod-eu",
      audit: { project: "scriba-audit" },
      deployments: { project: "scriba-deployments", platform: "CUSTOM" },
    }),
  });
  const outcomes = await Promise.all([
    reviewer.review(podInput("shop", "payment", images.payment, "uid-payment")),
    reviewer.review(podInput("shop", "web", images.web, "uid-web")),
    reviewer.review(podInput("staging", "payment", images.payment, "uid-staging-payment")),
    reviewer.review({ ...podInput("shop", "dry", images.payment, "uid-dry"), dryRun: true }),
  ]);
  assert.deepEqual(outcomes.map((o) => o.event), ["deny", "allow", "deny", "deny"]);
  await queue.idle();
});

after(async () => {
  await queue.close();
  await server.close();
});

describe("the audit trail: what was denied in namespace X this week", () => {
  const query = () => `noteName="projects/scriba-audit/notes/shop.deny" AND createTime >= "${weekAgo()}"`;

  test("the documented query returns the denials of that namespace, and nothing else", async () => {
    const denied = await listOccurrences("scriba-audit", query());
    assert.deepEqual(
      denied.map((o) => o["resourceUri"]),
      ["kubernetes://prod-eu/api/v1/namespaces/shop/pods/payment"],
    );
    assert.equal(denied[0]!["kind"], "COMPLIANCE");
    assert.deepEqual(valueAt(denied[0], "compliance.nonCompliantFiles"), [
      { path: "spec.containers[0].image", displayCommand: images.payment, reason: valueAt(denied[0], "compliance.nonCompliantFiles[0].reason") },
    ]);
    assert.match(String(valueAt(denied[0], "compliance.nonComplianceReason")), /^CREATE Pod shop\/payment \(uid request-payment\) denied\n/);
  });

  test("the time bound is applied: nothing is newer than now", async () => {
    const future = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, "Z");
    assert.deepEqual(await listOccurrences("scriba-audit", `noteName="projects/scriba-audit/notes/shop.deny" AND createTime >= "${future}"`), []);
  });

  test("admissions and other namespaces are under their own notes", async () => {
    const allowed = await listOccurrences("scriba-audit", `noteName="projects/scriba-audit/notes/shop.allow"`);
    assert.deepEqual(allowed.map((o) => o["resourceUri"]), ["kubernetes://prod-eu/api/v1/namespaces/shop/pods/web"]);
    const staging = await listOccurrences("scriba-audit", `noteName="projects/scriba-audit/notes/staging.deny"`);
    assert.equal(staging.length, 1);
  });

  test("a request with dryRun: true left no record", async () => {
    const all = await listOccurrences("scriba-audit", `kind="COMPLIANCE"`);
    assert.equal(all.length, 3);
    assert.ok(all.every((o) => !String(o["resourceUri"]).endsWith("/pods/dry")));
  });

  test("the query is answered from SQLite indexes: noteName from the note index, createTime on the same rows", () => {
    const db = openDatabase({ path: ":memory:" });
    try {
      const sql = occurrenceListSql("scriba-audit", { pageSize: 100, filter: compileFilter(query(), "occurrence") });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(...sql.params) as { detail: string }[]).map((r) => r.detail).join("\n");
      assert.match(plan, /^SEARCH occurrences USING INDEX occurrences_by_note_name \(project=\? AND note_name=\? AND seq>\?\)/, plan);
      assert.doesNotMatch(plan, /SCAN|TEMP B-TREE/, plan);
      assert.doesNotMatch(sql.sql, /json_/, "no JSON look-up in the filter");
    } finally {
      db.close();
    }
  });
});

describe("deployment records: where does this digest run?", () => {
  const whereRuns = `resourceUri="https://${images.web}" AND kind="DEPLOYMENT"`;

  test("the documented query finds the admitted Pod, and no denied one", async () => {
    const running = await listOccurrences("scriba-deployments", whereRuns);
    assert.equal(running.length, 1);
    const deployment = (path: string) => valueAt(running[0], `deployment.${path}`);
    assert.equal(running[0]!["noteName"], "projects/scriba-deployments/notes/prod-eu");
    assert.equal(deployment("address"), "kubernetes://prod-eu/api/v1/namespaces/shop/pods/web");
    assert.equal(deployment("userEmail"), "alice@example.com");
    assert.equal(deployment("platform"), "CUSTOM");
    assert.match(String(deployment("deployTime")), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(await listOccurrences("scriba-deployments", `resourceUri="https://${images.payment}" AND kind="DEPLOYMENT"`), []);
  });

  test("once given an undeployTime, the occurrence drops out of the still-running query", async () => {
    const [record] = await listOccurrences("scriba-deployments", whereRuns);
    const metadata = restMetadata({ baseUrl: server.baseUrl });
    const updated = await metadata.updateOccurrence(String(record!["name"]), { deployment: { undeployTime: new Date().toISOString() } }, ["deployment.undeployTime"]);
    assert.equal(valueAt(updated, "deployment.deployTime"), valueAt(record, "deployment.deployTime"), "the mask changed undeployTime only");
    assert.match(String(valueAt(updated, "deployment.undeployTime")), /^\d{4}-/);
    assert.deepEqual(await listOccurrences("scriba-deployments", `${whereRuns} AND NOT deployment.undeployTime:*`), []);
    assert.equal((await listOccurrences("scriba-deployments", whereRuns)).length, 1);
  });

  test("the digest query is answered from the resource index", () => {
    const db = openDatabase({ path: ":memory:" });
    try {
      const sql = occurrenceListSql("scriba-deployments", { pageSize: 100, filter: compileFilter(whereRuns, "occurrence") });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql.sql}`).all(...sql.params) as { detail: string }[]).map((r) => r.detail).join("\n");
      assert.match(plan, /^SEARCH occurrences USING INDEX occurrences_by_resource \(project=\? AND resource_uri=\? AND seq>\?\)/, plan);
    } finally {
      db.close();
    }
  });
});

describe("the REST metadata adapter's other calls, against the real server", () => {
  test("probe answers for a reachable server, even when the probed project does not exist", async () => {
    await restMetadata({ baseUrl: server.baseUrl }).probe();
  });

  test("probe fails with UNAVAILABLE when nothing listens", async () => {
    await assert.rejects(restMetadata({ baseUrl: await unusedLoopbackUrl(), timeoutMs: 2000 }).probe(), { code: "UNAVAILABLE" });
  });

  test("updating an occurrence that does not exist is NOT_FOUND", async () => {
    await assert.rejects(
      restMetadata({ baseUrl: server.baseUrl }).updateOccurrence("projects/scriba-deployments/occurrences/none", { deployment: { undeployTime: new Date().toISOString() } }, ["deployment.undeployTime"]),
      { code: "NOT_FOUND" },
    );
  });
});
