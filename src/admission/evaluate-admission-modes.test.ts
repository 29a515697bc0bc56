import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  evaluateWith,
  gapYaml,
  images,
  ispYaml,
  kritisConfigYaml,
  pod,
  podInput,
  policySet,
} from "./__fixtures__/admission-world.js";
import type { MetadataSnapshot } from "./admission-evidence.js";
import { attestationQueryKey } from "./admission-evidence.js";
import { planAdmission } from "./admission-plan.js";
import { restMetadata } from "./rest-metadata.js";
import { createAdmissionReviewer } from "./review-admission.js";

const ns = "prod";
const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const qaAuthority = authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }]);
const requireQa = (mode?: string) => gapYaml("require-qa", ns, ["qa"], mode === undefined ? {} : { mode });

let world: MetadataWorld;
before(async () => {
  world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
});
after(() => world.close());

const unattested = () => podInput(pod("payment", ns, [{ image: images.payment, name: "app" }]));
const attested = () => podInput(pod("web", ns, [{ image: images.web, name: "app" }]));

describe("dry-run policies admit and report what they would deny", () => {
  test("a DRYRUN_AUDIT_LOG_ONLY GenericAttestationPolicy admits an unattested image with a warning", async () => {
    const { decision, warnings } = await evaluateWith(unattested(), policySet(qaAuthority, requireQa("DRYRUN_AUDIT_LOG_ONLY")), world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.images[0]?.verdict, "dry-run-would-deny");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^dry run: Pod prod\/payment spec\.containers\[0\]\.image .* would be denied: No matched signatures for container image/);
  });

  test("a dry-run ImageSecurityPolicy admits a vulnerable image with a warning naming the CVE", async () => {
    const local = new MetadataWorld();
    await local.vulnerability(images.web, "CVE-2023-0001", "CRITICAL");
    const { decision, warnings } = await evaluateWith(
      attested(),
      policySet(ispYaml("strict", ns, { maximumSeverity: "LOW", mode: "DRYRUN_AUDIT_LOG_ONLY" })),
      local.source,
    );
    await local.close();
    assert.equal(decision.allowed, true);
    assert.ok(warnings.some((w) => w.includes("CVE-2023-0001")), warnings.join("\n"));
  });

  test("a dry-run alternative does not loosen an enforced GenericAttestationPolicy", async () => {
    const allowEverythingDryRun = gapYaml("trial", ns, ["qa"], { mode: "DRYRUN_AUDIT_LOG_ONLY", allowlist: ["gcr.io/**"] });
    const { decision } = await evaluateWith(unattested(), policySet(qaAuthority, requireQa(), allowEverythingDryRun), world.source);
    assert.equal(decision.allowed, false);
  });

  test("an enforced denial is not softened by a dry-run policy in the same namespace", async () => {
    const { decision } = await evaluateWith(
      unattested(),
      policySet(qaAuthority, requireQa(), ispYaml("trial", ns, { mode: "DRYRUN_AUDIT_LOG_ONLY" })),
      world.source,
    );
    assert.equal(decision.allowed, false);
  });
});

describe("breakglass admits what policy denies, and is always reported", () => {
  const policies = policySet(qaAuthority, requireQa());

  test("the kritis.grafeas.io/breakglass annotation admits with a warning", async () => {
    const object = pod("payment", ns, [{ image: images.payment }], { annotations: { "kritis.grafeas.io/breakglass": "true" } });
    const { decision, warnings } = await evaluateWith(podInput(object), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.breakglassUsed, true);
    assert.ok(warnings.some((w) => w.startsWith("breakglass: Pod prod/payment") && w.includes("No matched signatures")), warnings.join("\n"));
  });

  test("Binary Authorization's image-policy.k8s.io/break-glass label set to true admits", async () => {
    const object = pod("payment", ns, [{ image: images.payment }], { labels: { "image-policy.k8s.io/break-glass": "true" } });
    const { decision } = await evaluateWith(podInput(object), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.breakglassUsed, true);
  });

  test("Binary Authorization's annotation set to anything but true does not admit", async () => {
    const object = pod("payment", ns, [{ image: images.payment }], { annotations: { "image-policy.k8s.io/break-glass": "yes please" } });
    const { decision } = await evaluateWith(podInput(object), policies, world.source);
    assert.equal(decision.allowed, false);
  });

  test("a breakglass annotation on a Deployment's pod template admits the Deployment", async () => {
    const object = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "payment", namespace: ns },
      spec: {
        template: {
          metadata: { annotations: { "kritis.grafeas.io/breakglass": "" } },
          spec: { containers: [{ name: "app", image: images.payment }] },
        },
      },
    };
    const { decision } = await evaluateWith({ operation: "CREATE", kind: { group: "apps", kind: "Deployment" }, namespace: ns, object }, policies, world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.breakglassUsed, true);
  });

  test("breakglass on an object policy admits anyway is still reported as a warning", async () => {
    const object = pod("web", ns, [{ image: images.web }], { annotations: { "kritis.grafeas.io/breakglass": "true" } });
    const { decision, warnings } = await evaluateWith(podInput(object), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.breakglassUsed, false);
    assert.ok(warnings.some((w) => w.startsWith("breakglass: the marker")), warnings.join("\n"));
  });

  test("a KritisConfig with allowBreakglass: false ignores the annotation, and says so", async () => {
    const strict = policySet(qaAuthority, requireQa(), kritisConfigYaml({ allowBreakglass: false }));
    const object = pod("payment", ns, [{ image: images.payment }], { annotations: { "kritis.grafeas.io/breakglass": "true" } });
    const { decision, warnings } = await evaluateWith(podInput(object), strict, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(warnings.some((w) => w.includes("allowBreakglass: false")), warnings.join("\n"));
  });
});

describe("namespaces without policies, exempt namespaces and the global allowlist", () => {
  test("a namespace without policies admits by default", async () => {
    const { decision } = await evaluateWith(podInput(pod("p", "dev", [{ image: "nginx:latest" }])), policySet(qaAuthority, requireQa()), world.source);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.images[0]?.allowedBy, { kind: "no-policy", namespace: "dev" });
  });

  test("with noPolicyDefault: DENY a namespace without policies denies, saying why", async () => {
    const { decision, message } = await evaluateWith(
      podInput(pod("p", "dev", [{ image: "nginx:latest" }])),
      policySet(qaAuthority, requireQa(), kritisConfigYaml({ noPolicyDefault: "DENY" })),
      world.source,
    );
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("namespace dev has no GenericAttestationPolicy or ImageSecurityPolicy"), message);
  });

  test("an exempt namespace is not reviewed even with policies", async () => {
    const policies = policySet(
      qaAuthority,
      requireQa(),
      kritisConfigYaml({ exemptNamespaces: [ns], noPolicyDefault: "DENY" }),
    );
    const { decision } = await evaluateWith(unattested(), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.images[0]?.allowedBy, { kind: "exempt-namespace", namespace: ns });
  });

  test("an image in the KritisConfig imageAllowlist is admitted in every namespace", async () => {
    const policies = policySet(qaAuthority, requireQa(), kritisConfigYaml({ imageAllowlist: ["registry.k8s.io/**"] }));
    const { decision } = await evaluateWith(podInput(pod("p", ns, [{ image: "registry.k8s.io/pause:3.9" }])), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.equal(decision.images[0]?.allowedBy?.kind, "global-allowlist");
  });
});

describe("an invalid policy fails closed for its namespace", () => {
  test("a GenericAttestationPolicy naming a missing authority denies with the precise problem", async () => {
    const { decision, message } = await evaluateWith(attested(), policySet(gapYaml("require-qa", ns, ["qa"])), world.source);
    assert.equal(decision.allowed, false);
    assert.ok(
      message.includes('namespace prod has an invalid policy: policies.yaml document 1: GenericAttestationPolicy prod/require-qa: spec.attestationAuthorityNames[0]: AttestationAuthority "qa" not found in namespace prod'),
      message,
    );
  });

  test("the invalid policy of another namespace does not deny here", async () => {
    const policies = policySet(qaAuthority, requireQa(), gapYaml("broken", "staging", ["nobody"]));
    const { decision } = await evaluateWith(attested(), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("nothing is fetched for a namespace with an invalid policy", () => {
    const plan = planAdmission(attested(), policySet(gapYaml("require-qa", ns, ["qa"])));
    assert.deepEqual(plan.attestationQueries, []);
    assert.equal(plan.objectReasons[0]?.kind, "invalid-policy");
  });
});

describe("when the metadata server cannot be asked", () => {
  const unreachable = restMetadata({ baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 });

  test("the image is denied by default, with the reason in the message", async () => {
    const { decision, message } = await evaluateWith(attested(), policySet(qaAuthority, requireQa()), unreachable);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("the metadata server could not be asked about"), message);
    assert.ok(message.includes("cannot reach the Grafeas server at http://127.0.0.1:9"), message);
  });

  test("with metadataFailurePolicy: Ignore the image is admitted with a warning", async () => {
    const policies = policySet(qaAuthority, requireQa(), kritisConfigYaml({ metadataFailurePolicy: "Ignore" }));
    const { decision, warnings } = await evaluateWith(attested(), policies, unreachable);
    assert.equal(decision.allowed, true);
    assert.ok(warnings.some((w) => w.includes("admitted without its metadata check")), warnings.join("\n"));
  });

  test("a failed vulnerability listing denies an image an ImageSecurityPolicy needs to judge", async () => {
    const policies = policySet(ispYaml("strict", ns));
    const input = attested();
    const snapshot: MetadataSnapshot = {
      attestations: new Map(),
      vulnerabilities: new Map([[images.web, { ok: false, detail: "projects/kritis: timed out" }]]),
    };
    const { decision, message } = await evaluateWith(input, policies, world.source, { snapshot });
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(projects/kritis: timed out)"), message);
  });

  test("an authority whose listing failed does not deny when another policy is satisfied", async () => {
    const securityNote = "projects/image-signing/notes/security";
    const policies = policySet(
      qaAuthority,
      authorityYaml("security", ns, securityNote, [{ pkix: ecKeyPair() }]),
      requireQa(),
      gapYaml("by-security", ns, ["security"]),
    );
    const input = attested();
    const plan = planAdmission(input, policies);
    const { fetchMetadata } = await import("./metadata-fetch.js");
    const fetched = await fetchMetadata(plan, world.source);
    const snapshot: MetadataSnapshot = {
      attestations: new Map([...fetched.attestations, [attestationQueryKey(securityNote, images.web), { ok: false, detail: "down" }]]),
      vulnerabilities: fetched.vulnerabilities,
    };
    const { decision } = await evaluateWith(input, policies, world.source, { snapshot });
    assert.equal(decision.allowed, true);
  });
});

describe("what is reviewed", () => {
  const policies = policySet(qaAuthority, requireQa());

  test("on UPDATE, images the old object already had are admitted as unchanged", async () => {
    const before = pod("payment", ns, [{ image: images.payment }]);
    const after = pod("payment", ns, [{ image: images.payment, name: "renamed" }], { annotations: { team: "pay" } });
    const { decision } = await evaluateWith(podInput(after, { operation: "UPDATE", oldObject: before }), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.images[0]?.allowedBy, { kind: "unchanged-on-update" });
  });

  test("on UPDATE, a changed image is reviewed", async () => {
    const before = pod("web", ns, [{ image: images.web }]);
    const after = pod("web", ns, [{ image: images.payment }]);
    const { decision } = await evaluateWith(podInput(after, { operation: "UPDATE", oldObject: before }), policies, world.source);
    assert.equal(decision.allowed, false);
  });

  test("DELETE is not reviewed", () => {
    const plan = planAdmission(podInput(pod("payment", ns, [{ image: images.payment }]), { operation: "DELETE" }), policies);
    assert.equal(plan.reviewed, false);
  });

  test("a kind without a pod spec is not reviewed", () => {
    const plan = planAdmission(
      { operation: "CREATE", kind: { group: "", kind: "ConfigMap" }, namespace: ns, object: { data: { image: images.payment } } },
      policies,
    );
    assert.equal(plan.reviewed, false);
  });

  test("a malformed pod is denied with every bad field named", async () => {
    const object = { metadata: { name: "bad", namespace: ns }, spec: { containers: [{ name: "a", image: 42 }], initContainers: "x" } };
    const { decision, message } = await evaluateWith(podInput(object), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("spec.containers[0].image: must be a string"), message);
    assert.ok(message.includes("spec.initContainers: must be a list"), message);
  });
});

describe("the review log", () => {
  test("every reviewed decision is logged as one structured record with the reasons and policies", async () => {
    const lines: string[] = [];
    const { createLogger } = await import("../logging/logger.js");
    const reviewer = createAdmissionReviewer({
      policies: policySet(qaAuthority, requireQa()),
      metadata: world.source,
      logger: createLogger({ write: (line) => lines.push(line) }),
    });
    await reviewer.review(unattested());
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!);
    assert.equal(record.msg, "admission decision");
    assert.equal(record.event, "deny");
    assert.equal(record.uid, "test-uid");
    assert.equal(record.object, "Pod prod/payment");
    assert.deepEqual(record.policies, ["GenericAttestationPolicy prod/require-qa"]);
    assert.equal(record.images[0].image, images.payment);
    assert.match(record.images[0].reasons[0], /^No matched signatures for container image/);
  });
});
