import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { loadAttestorKeys, parseAttestorKeySpec } from "./attestor-keys.js";
import { createAdmissionReviewer } from "./review-admission.js";

const ns = "prod";
let world: MetadataWorld;
before(() => {
  world = new MetadataWorld();
});
after(() => world.close());

async function freshWorld(): Promise<MetadataWorld> {
  await world.close();
  world = new MetadataWorld();
  return world;
}

const webPod = () => podInput(pod("web", ns, [{ image: images.web, name: "app" }]));

describe("ImageSecurityPolicy: vulnerability thresholds", () => {
  test("a fixable HIGH finding over maximumSeverity MEDIUM denies, naming the CVE and the threshold", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
    const policies = policySet(ispYaml("strict", ns, { maximumSeverity: "MEDIUM" }));
    const { decision, message } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(
      message.includes(`found CVE projects/goog-vulnz/notes/CVE-2023-0001 in ${images.web}, which has severity HIGH exceeding max severity MEDIUM (ImageSecurityPolicy strict)`),
      message,
    );
    assert.ok(message.includes('spec.containers[0].image (container "app")'), message);
  });

  test("every finding over its threshold is reported, not only the first", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
    await world.vulnerability(images.web, "CVE-2023-0002", "CRITICAL");
    const policies = policySet(ispYaml("strict", ns, { maximumSeverity: "MEDIUM" }));
    const { message } = await evaluateWith(webPod(), policies, world.source);
    assert.ok(message.includes("CVE-2023-0001"), message);
    assert.ok(message.includes("CVE-2023-0002"), message);
  });

  test("a finding within the threshold admits", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0003", "MEDIUM");
    const policies = policySet(ispYaml("strict", ns, { maximumSeverity: "MEDIUM" }));
    const { decision } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("an unfixable CRITICAL finding is judged by maximumFixUnavailableSeverity, which defaults to ALLOW_ALL", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0004", "CRITICAL", { fixable: false });
    const policies = policySet(ispYaml("strict", ns, { maximumSeverity: "LOW" }));
    const { decision } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("BLOCK_ALL for unfixable findings denies any of them", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0005", "LOW", { fixable: false });
    const policies = policySet(ispYaml("strict", ns, { maximumFixUnavailableSeverity: "BLOCK_ALL" }));
    const { decision, message } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("violating max severity BLOCK_ALL"), message);
  });

  test("allowlistCVEs, by bare id or by note name, admits the findings it names", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0001", "CRITICAL");
    await world.vulnerability(images.web, "CVE-2023-0002", "CRITICAL");
    const policies = policySet(
      ispYaml("strict", ns, { maximumSeverity: "LOW", allowlistCVEs: ["CVE-2023-0001", "projects/goog-vulnz/notes/CVE-2023-0002"] }),
    );
    const { decision } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("findings stored in a project the KritisConfig does not name are not consulted", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0001", "CRITICAL", { project: "scanner" });
    const strict = ispYaml("strict", ns, { maximumSeverity: "LOW" });
    const byDefault = await evaluateWith(webPod(), policySet(strict), world.source);
    assert.equal(byDefault.decision.allowed, true);
    const configured = await evaluateWith(webPod(), policySet(strict, kritisConfigYaml({ vulnerabilityProjects: ["kritis", "scanner"] })), world.source);
    assert.equal(configured.decision.allowed, false);
  });

  test("findings for another image are not attached to this one", async () => {
    await freshWorld();
    await world.vulnerability(images.sidecar, "CVE-2023-0001", "CRITICAL");
    const { decision } = await evaluateWith(webPod(), policySet(ispYaml("strict", ns, { maximumSeverity: "LOW" })), world.source);
    assert.equal(decision.allowed, true);
  });

  test("a tag-only image fails the policy with advice on pinning", async () => {
    await freshWorld();
    const { decision, message } = await evaluateWith(
      podInput(pod("web", ns, [{ image: "gcr.io/acme/web:latest" }])),
      policySet(ispYaml("strict", ns)),
      world.source,
    );
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("gcr.io/acme/web:latest is not pinned by digest"), message);
  });

  test("an image in the policy's imageAllowlist skips the digest and vulnerability checks", async () => {
    await freshWorld();
    const { decision } = await evaluateWith(
      podInput(pod("web", ns, [{ image: "gcr.io/acme/debug:latest" }])),
      policySet(ispYaml("strict", ns, { imageAllowlist: ["gcr.io/acme/debug:latest"] })),
      world.source,
    );
    assert.equal(decision.allowed, true);
  });

  test("several ImageSecurityPolicies must all pass", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
    const policies = policySet(ispYaml("lenient", ns), ispYaml("strict", ns, { maximumSeverity: "MEDIUM" }));
    const { decision, message } = await evaluateWith(webPod(), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(ImageSecurityPolicy strict)"), message);
    assert.ok(!message.includes("(ImageSecurityPolicy lenient)"), message);
  });
});

describe("GenericAttestationPolicy AND ImageSecurityPolicy", () => {
  const qaNote = "projects/image-signing/notes/qa";
  const qaKey = ecKeyPair();
  const both = policySet(
    authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }]),
    gapYaml("require-qa", ns, ["qa"]),
    ispYaml("strict", ns, { maximumSeverity: "MEDIUM" }),
  );

  test("an attested image with a finding over the threshold is denied by the vulnerability policy", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
    const { decision, message } = await evaluateWith(webPod(), both, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("CVE-2023-0001"), message);
    assert.ok(!message.includes("No matched signatures"), message);
  });

  test("a clean but unattested image is denied by the attestation policy", async () => {
    await freshWorld();
    const { decision, message } = await evaluateWith(webPod(), both, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("No matched signatures"), message);
  });

  test("an attested clean image passes both", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const { decision } = await evaluateWith(webPod(), both, world.source);
    assert.equal(decision.allowed, true);
  });
});

describe("ImageSecurityPolicy attest-on-pass: a passing image is attested, and the attestation is a cached pass", () => {
  const checkedNote = "projects/vulnz-checked/notes/checked";
  const checkerKey = ecKeyPair();
  let dir: string;
  const policies = policySet(
    authorityYaml("vulnz-checked", ns, checkedNote, [{ pkix: checkerKey }]),
    ispYaml("strict", ns, { maximumSeverity: "MEDIUM", attestationAuthorityName: "vulnz-checked" }),
  );

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "scriba-attestor-"));
    writeFileSync(join(dir, "checker.pem"), checkerKey.privatePem);
    writeFileSync(join(dir, "stranger.pem"), ecKeyPair().privatePem);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function reviewer(keyFile = "checker.pem") {
    const attestorKeys = await loadAttestorKeys([parseAttestorKeySpec(`vulnz-checked=${join(dir, keyFile)}`)]);
    return createAdmissionReviewer({ policies, metadata: world.source, attestorKeys });
  }

  test("a passing image gets an attestation by the policy's authority, which verifies", async () => {
    await freshWorld();
    const outcome = await (await reviewer()).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations.length, 1);
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
    const stored = await world.source.noteOccurrences(checkedNote, [`https://${images.web}`]);
    assert.equal(stored.length, 1);
  });

  test("once attested, the image is admitted without its vulnerabilities being judged", async () => {
    await freshWorld();
    const review = await reviewer();
    await review.review(webPod());
    await world.vulnerability(images.web, "CVE-2024-9999", "CRITICAL");
    const outcome = await review.review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations.length, 0);
  });

  test("without the cached attestation the same finding denies", async () => {
    await freshWorld();
    await world.vulnerability(images.web, "CVE-2024-9999", "CRITICAL");
    const outcome = await (await reviewer()).review(webPod());
    assert.equal(outcome.decision.allowed, false);
    assert.deepEqual(outcome.attestations, []);
  });

  test("a dry-run request stores nothing", async () => {
    await freshWorld();
    const outcome = await (await reviewer()).review({ ...webPod(), dryRun: true });
    assert.equal(outcome.decision.allowed, true);
    assert.deepEqual(outcome.attestations, []);
    assert.deepEqual(await world.source.noteOccurrences(checkedNote, [`https://${images.web}`]), []);
  });

  test("a signing key that is not one of the authority's keys is reported and nothing is stored", async () => {
    await freshWorld();
    const outcome = await (await reviewer("stranger.pem")).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations[0]?.outcome, "skipped");
    assert.match(outcome.attestations[0]?.detail ?? "", /is not one of the PKIX publicKeys/);
    assert.deepEqual(await world.source.noteOccurrences(checkedNote, [`https://${images.web}`]), []);
  });

  test("without a configured signing key the image is still admitted, and the skip is reported", async () => {
    await freshWorld();
    const outcome = await createAdmissionReviewer({ policies, metadata: world.source }).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations[0]?.outcome, "skipped");
  });
});
