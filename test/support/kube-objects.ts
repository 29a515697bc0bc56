/**
 * @module test/support/kube-objects
 *
 * Kubernetes objects for tests that talk to the fake API server: pods, and
 * the policy examples shipped in `deploy/crds/examples` placed in a chosen
 * namespace under a chosen name.
 */
import { example, withField } from "../../src/policy/crds/test-fixtures.js";
import type { JsonObject } from "../../src/policy/crds/field-reader.js";

export function pod(
  namespace: string,
  name: string,
  options: { labels?: Record<string, string>; annotations?: Record<string, string>; image?: string } = {},
): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: { containers: [{ name: "app", image: options.image ?? "registry.example/app@sha256:" + "a".repeat(64) }] },
  };
}

function placed(file: string, namespace: string | undefined, name: string): JsonObject {
  const named = withField(example(file), "metadata.name", name);
  return namespace === undefined ? named : withField(named, "metadata.namespace", namespace);
}

/** The example AttestationAuthority (note `projects/image-signing/notes/qa`, a PGP and a PKIX key). */
export const attestationAuthority = (namespace: string, name = "qa"): JsonObject =>
  placed("attestation-authority.yaml", namespace, name);

/** The example GenericAttestationPolicy, requiring the given authorities. */
export const genericAttestationPolicy = (namespace: string, name = "require-qa", authorities: string[] = ["qa"]): JsonObject =>
  withField(placed("generic-attestation-policy.yaml", namespace, name), "spec.attestationAuthorityNames", authorities);

/** The example ImageSecurityPolicy (maximumSeverity MEDIUM). */
export const imageSecurityPolicy = (namespace: string, name = "no-high-fixable"): JsonObject =>
  placed("image-security-policy.yaml", namespace, name);

/** The example KritisConfig (noPolicyDefault DENY, kube-system exempt). */
export const kritisConfig = (name = "kritis-config"): JsonObject => placed("kritis-config.yaml", undefined, name);
