import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { matchesNamePattern } from "../name-pattern.js";
import { parseGenericAttestationPolicy } from "./generic-attestation-policy.js";
import { parseImageSecurityPolicy } from "./image-security-policy.js";
import { defaultKritisConfigSpec, parseKritisConfig } from "./kritis-config.js";
import type { ParseResult } from "./kritis-api.js";
import { example, withField } from "./test-fixtures.js";

function value<T>(result: ParseResult<T>): T {
  assert.ok(result.ok, `expected a valid object, got ${JSON.stringify(!result.ok && result.violations)}`);
  return result.value;
}

function rejects<T>(result: ParseResult<T>, expected: string) {
  assert.equal(result.ok, false, "expected the object to be invalid");
  const found = result.ok ? [] : result.violations.map((v) => `${v.field}: ${v.description}`);
  assert.ok(
    found.some((v) => v.includes(expected)),
    `expected a violation containing ${JSON.stringify(expected)}, got ${JSON.stringify(found)}`,
  );
}

describe("GenericAttestationPolicy", () => {
  const gap = example("generic-attestation-policy.yaml");

  test("the shipped example parses with its patterns compiled", () => {
    const policy = value(parseGenericAttestationPolicy(gap));
    assert.deepEqual(policy.attestationAuthorityNames, ["qa"]);
    assert.equal(policy.namespace, "prod");
    assert.ok(matchesNamePattern("gcr.io/my-project/debug-tools/a/b:1", policy.admissionAllowlistPatterns[0]!));
  });

  test("the enforcement mode defaults to ENFORCED_BLOCK_AND_AUDIT_LOG", () => {
    const policy = value(parseGenericAttestationPolicy(withField(gap, "spec.enforcementMode", undefined)));
    assert.equal(policy.enforcementMode, "ENFORCED_BLOCK_AND_AUDIT_LOG");
  });

  test("DRYRUN_AUDIT_LOG_ONLY is accepted", () => {
    const policy = value(parseGenericAttestationPolicy(withField(gap, "spec.enforcementMode", "DRYRUN_AUDIT_LOG_ONLY")));
    assert.equal(policy.enforcementMode, "DRYRUN_AUDIT_LOG_ONLY");
  });

  test("an unknown enforcement mode is rejected with the allowed values", () => {
    rejects(
      parseGenericAttestationPolicy(withField(gap, "spec.enforcementMode", "AUDIT")),
      'spec.enforcementMode: must be one of ENFORCED_BLOCK_AND_AUDIT_LOG, DRYRUN_AUDIT_LOG_ONLY; got "AUDIT"',
    );
  });

  test("a policy without authorities is rejected, saying it cannot be satisfied", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.attestationAuthorityNames", [])), "spec.attestationAuthorityNames: at least one AttestationAuthority name is required");
  });

  test("a missing authority list is rejected the same way", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.attestationAuthorityNames", undefined)), "cannot be satisfied");
  });

  test("an authority name that is not a Kubernetes name is rejected at its index", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.attestationAuthorityNames", ["qa", "QA Team"])), "spec.attestationAuthorityNames[1]: must be a lowercase DNS-1123 subdomain");
  });

  test("an empty name pattern is rejected at its path", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.admissionAllowlistPatterns[0].namePattern", "")), "spec.admissionAllowlistPatterns[0].namePattern: required");
  });

  test("a wildcard in the middle of a name pattern is rejected", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.admissionAllowlistPatterns[0].namePattern", "gcr.io/*/x")), "only a trailing * or ** is allowed");
  });

  test("the Binary Authorization spelling admissionWhitelistPatterns gets a hint", () => {
    rejects(parseGenericAttestationPolicy(withField(gap, "spec.admissionWhitelistPatterns", [])), "spec.admissionWhitelistPatterns: unknown field; did you mean admissionAllowlistPatterns?");
  });
});

describe("ImageSecurityPolicy", () => {
  const isp = example("image-security-policy.yaml");

  test("the shipped example parses", () => {
    const policy = value(parseImageSecurityPolicy(isp));
    assert.equal(policy.packageVulnerabilityRequirements.maximumSeverity, "MEDIUM");
    assert.equal(policy.packageVulnerabilityRequirements.maximumFixUnavailableSeverity, "HIGH");
    assert.deepEqual(policy.packageVulnerabilityRequirements.allowlistCVEs, ["projects/goog-vulnz/notes/CVE-2017-1000082", "CVE-2021-3711"]);
    assert.equal(policy.enforcementMode, "DRYRUN_AUDIT_LOG_ONLY");
  });

  test("without requirements the Kritis code defaults apply: CRITICAL and ALLOW_ALL", () => {
    const policy = value(parseImageSecurityPolicy(withField(isp, "spec.packageVulnerabilityRequirements", undefined)));
    assert.deepEqual(policy.packageVulnerabilityRequirements, {
      maximumSeverity: "CRITICAL",
      maximumFixUnavailableSeverity: "ALLOW_ALL",
      allowlistCVEs: [],
    });
  });

  test("an empty spec is a valid policy", () => {
    value(parseImageSecurityPolicy(withField(isp, "spec", {})));
  });

  test("MINIMAL and SEVERITY_UNSPECIFIED parse as thresholds", () => {
    const policy = value(
      parseImageSecurityPolicy(
        withField(
          withField(isp, "spec.packageVulnerabilityRequirements.maximumSeverity", "MINIMAL"),
          "spec.packageVulnerabilityRequirements.maximumFixUnavailableSeverity",
          "SEVERITY_UNSPECIFIED",
        ),
      ),
    );
    assert.equal(policy.packageVulnerabilityRequirements.maximumSeverity, "MINIMAL");
  });

  test("an unknown severity is rejected with the allowed values", () => {
    rejects(
      parseImageSecurityPolicy(withField(isp, "spec.packageVulnerabilityRequirements.maximumSeverity", "SEVERE")),
      'spec.packageVulnerabilityRequirements.maximumSeverity: must be one of LOW, MEDIUM, HIGH, CRITICAL, BLOCK_ALL, ALLOW_ALL, MINIMAL, SEVERITY_UNSPECIFIED; got "SEVERE"',
    );
  });

  test("Kritis' documented packageVulnerabilityPolicy is rejected instead of silently ignored", () => {
    rejects(
      parseImageSecurityPolicy(withField(isp, "spec.packageVulnerabilityPolicy", { maximumSeverity: "LOW" })),
      "spec.packageVulnerabilityPolicy: unknown field; did you mean packageVulnerabilityRequirements",
    );
  });

  test("an allowlistCVEs entry that is neither a note name nor an id is rejected", () => {
    rejects(
      parseImageSecurityPolicy(withField(isp, "spec.packageVulnerabilityRequirements.allowlistCVEs[1]", "notes/CVE-1")),
      "spec.packageVulnerabilityRequirements.allowlistCVEs[1]: must be a note name",
    );
  });

  test("a duplicate allowlistCVEs entry is rejected", () => {
    rejects(
      parseImageSecurityPolicy(withField(isp, "spec.packageVulnerabilityRequirements.allowlistCVEs[1]", "projects/goog-vulnz/notes/CVE-2017-1000082")),
      "allowlistCVEs[1]: duplicate entry",
    );
  });

  test("image allowlist entries are name patterns, so a wildcard entry matches", () => {
    const policy = value(parseImageSecurityPolicy(isp));
    assert.ok(matchesNamePattern("gcr.io/my-project/debug-tools:v2", policy.imageAllowlist[0]!));
  });

  test("an image allowlist entry that can never match is rejected", () => {
    rejects(parseImageSecurityPolicy(withField(isp, "spec.imageAllowlist[0]", "gcr.io/Bad/Name")), "spec.imageAllowlist[0]: name pattern");
  });

  test("an attestation authority name that is not a Kubernetes name is rejected", () => {
    rejects(parseImageSecurityPolicy(withField(isp, "spec.attestationAuthorityName", "Vulnz_Checked")), "spec.attestationAuthorityName: must be a lowercase DNS-1123 subdomain");
  });

  test("the old top-level imageWhitelist is reported with a hint", () => {
    rejects(parseImageSecurityPolicy(withField(isp, "imageWhitelist", ["x"])), "imageWhitelist: unknown field; did you mean spec.imageAllowlist?");
  });
});

describe("KritisConfig", () => {
  const config = example("kritis-config.yaml");

  test("the shipped example parses", () => {
    const parsed = value(parseKritisConfig(config));
    assert.equal(parsed.spec.noPolicyDefault, "DENY");
    assert.deepEqual(parsed.spec.exemptNamespaces, ["kube-system"]);
    assert.ok(matchesNamePattern("registry.k8s.io/coredns/coredns:v1.11.1", parsed.spec.imageAllowlist[0]!));
  });

  test("a config without spec takes every default", () => {
    const parsed = value(parseKritisConfig(withField(config, "spec", undefined)));
    assert.deepEqual(parsed.spec, defaultKritisConfigSpec);
  });

  test("the defaults allow where no policy applies, read project kritis and fail closed", () => {
    assert.equal(defaultKritisConfigSpec.noPolicyDefault, "ALLOW");
    assert.deepEqual(defaultKritisConfigSpec.vulnerabilityProjects, ["kritis"]);
    assert.equal(defaultKritisConfigSpec.metadataFailurePolicy, "Fail");
  });

  test("projects/P in vulnerabilityProjects is read as the project ID", () => {
    const parsed = value(parseKritisConfig(withField(config, "spec.vulnerabilityProjects", ["projects/scanner", "kritis"])));
    assert.deepEqual(parsed.spec.vulnerabilityProjects, ["scanner", "kritis"]);
  });

  test("an empty vulnerabilityProjects list is rejected", () => {
    rejects(parseKritisConfig(withField(config, "spec.vulnerabilityProjects", [])), "spec.vulnerabilityProjects: must not be empty");
  });

  test("a namespace on the cluster-scoped config is rejected", () => {
    rejects(parseKritisConfig(withField(config, "metadata.namespace", "default")), "metadata.namespace: must not be set: KritisConfig is cluster-scoped");
  });

  test("an invalid exempt namespace is rejected at its index", () => {
    rejects(parseKritisConfig(withField(config, "spec.exemptNamespaces", ["kube-system", "Kube_Public"])), "spec.exemptNamespaces[1]: must be a lowercase DNS-1123 label");
  });

  test("allowBreakglass must be a boolean", () => {
    rejects(parseKritisConfig(withField(config, "spec.allowBreakglass", "yes")), "spec.allowBreakglass: must be true or false");
  });

  test("Kritis' own fields load with a note that they are ignored", () => {
    const result = parseKritisConfig(
      withField(withField(config, "spec.metadataBackend", "grafeas"), "spec.grafeas", { addr: "grafeas:443" }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.notes, [
      "spec.metadataBackend configures the Kritis server process and is ignored here",
      "spec.grafeas configures the Kritis server process and is ignored here",
    ]);
  });

  test("a webhook-style failurePolicy field gets a hint", () => {
    rejects(parseKritisConfig(withField(config, "spec.failurePolicy", "Ignore")), "did you mean metadataFailurePolicy?");
  });
});
