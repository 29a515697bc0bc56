/**
 * Every manifest under deploy/ (the CRDs and their examples, the admission
 * webhook, its registration, RBAC, re-check and cert-manager alternative),
 * checked without a cluster: it parses (the same under YAML 1.1, which
 * Kubernetes reads, and 1.2), uses only API versions that Kubernetes 1.22+
 * serves, Kritis objects match the CRD schemas, the registration covers every
 * kind the engine reviews, and RBAC grants exactly what each identity needs.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { isJsonObject } from "../../src/policy/crds/field-reader.js";
import type { JsonObject } from "../../src/policy/crds/field-reader.js";
import { applySchemaDefaults, validateAgainstSchema } from "../../src/policy/crds/structural-schema.js";
import { valueAt } from "../../src/policy/crds/test-fixtures.js";
import { answerMarginMs, defaultReviewTimeoutMs, reviewBudgetMs } from "../../src/admission/admission-handler.js";
import { isReviewedWorkload } from "../../src/policy/workload-images.js";
import { generateWebhookCertificates } from "../../src/tls/webhook-certificates.js";
import { policyResources } from "../../src/kube/kritis-resources.js";

const deployDir = fileURLToPath(new URL("../../deploy/", import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(entry) ? [path] : [];
    })
    .sort();
}

interface Manifest {
  readonly file: string;
  readonly object: JsonObject;
}

function parseFile(path: string, version: "1.1" | "1.2"): unknown[] {
  return parseAllDocuments(readFileSync(path, "utf8"), { version }).map((document) => {
    assert.deepEqual(document.errors.map((e) => e.message), [], `${path} (YAML ${version})`);
    return document.toJS() as unknown;
  });
}

const manifests: Manifest[] = yamlFiles(deployDir).flatMap((path) =>
  parseFile(path, "1.2")
    .filter((object) => object !== null && object !== undefined)
    .map((object) => {
      assert.ok(isJsonObject(object), `${path}: every document is an object`);
      return { file: relative(deployDir, path), object };
    }),
);

const ofKind = (kind: string) => manifests.filter((m) => m.object["kind"] === kind);
const named = (kind: string, name: string) => {
  const found = ofKind(kind).find((m) => valueAt(m.object, "metadata.name") === name);
  assert.ok(found, `${kind} ${name} is shipped`);
  return found.object;
};

/** Versions Kubernetes 1.22 and later serve, for every kind shipped. Everything removed in 1.22 (v1beta1 CRDs, webhooks, RBAC, Ingress, CSRs) and later (batch/v1beta1, policy/v1beta1) is absent on purpose. */
const served: Readonly<Record<string, readonly string[]>> = {
  v1: ["Namespace", "ServiceAccount", "Service", "ConfigMap", "Secret"],
  "apps/v1": ["Deployment"],
  "batch/v1": ["CronJob", "Job"],
  "policy/v1": ["PodDisruptionBudget"],
  "rbac.authorization.k8s.io/v1": ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
  "admissionregistration.k8s.io/v1": ["ValidatingWebhookConfiguration"],
  "apiextensions.k8s.io/v1": ["CustomResourceDefinition"],
  "cert-manager.io/v1": ["Certificate", "Issuer"],
  "kritis.grafeas.io/v1beta1": ["AttestationAuthority", "GenericAttestationPolicy", "ImageSecurityPolicy", "KritisConfig"],
};

describe("every manifest under deploy/", () => {
  test("there are manifests to check, the admission ones included", () => {
    assert.ok(manifests.some((m) => m.file.startsWith("admission/")));
    assert.ok(manifests.some((m) => m.file.startsWith("crds/")));
  });

  for (const path of yamlFiles(deployDir)) {
    const file = relative(deployDir, path);
    test(`${file} parses, and reads the same as YAML 1.1 and 1.2`, () => {
      assert.deepEqual(parseFile(path, "1.1"), parseFile(path, "1.2"));
    });
  }

  test("every object's apiVersion and kind are served by Kubernetes 1.22 and later", () => {
    const unserved = manifests
      .filter((m) => !(served[String(m.object["apiVersion"])] ?? []).includes(String(m.object["kind"])))
      .map((m) => `${m.file}: ${String(m.object["apiVersion"])} ${String(m.object["kind"])}`);
    assert.deepEqual(unserved, []);
  });

  test("every Kritis object validates against its CRD's schema", () => {
    const schemas = new Map(
      ofKind("CustomResourceDefinition").map((m) => [String(valueAt(m.object, "spec.names.kind")), valueAt(m.object, "spec.versions[0].schema.openAPIV3Schema")]),
    );
    const kritis = manifests.filter((m) => m.object["apiVersion"] === "kritis.grafeas.io/v1beta1");
    assert.ok(kritis.length >= 4);
    for (const { file, object } of kritis) {
      const schema = schemas.get(String(object["kind"]));
      assert.ok(isJsonObject(schema), `${file}: a CRD for ${String(object["kind"])}`);
      assert.deepEqual(validateAgainstSchema(applySchemaDefaults(object, schema), schema), [], file);
    }
  });

  test("namespaced objects of the admission manifests are in the scriba namespace", () => {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration", "CustomResourceDefinition"]);
    const stray = manifests
      .filter((m) => m.file.startsWith("admission/") && !clusterScoped.has(String(m.object["kind"])))
      .filter((m) => valueAt(m.object, "metadata.namespace") !== "scriba")
      .map((m) => `${m.file}: ${String(m.object["kind"])}`);
    assert.deepEqual(stray, []);
  });
});

describe("the ValidatingWebhookConfiguration", () => {
  const registration = named("ValidatingWebhookConfiguration", "scriba-kritis");
  const webhook = valueAt(registration, "webhooks[0]") as JsonObject;
  const rules = webhook["rules"] as JsonObject[];

  /** What the engine reviews, and the (group, resource) the API server sends it under. */
  const reviewed = [
    { group: "", resource: "pods", kind: "Pod" },
    { group: "", resource: "pods/ephemeralcontainers", kind: "Pod", subResource: "ephemeralcontainers" },
    { group: "", resource: "replicationcontrollers", kind: "ReplicationController" },
    { group: "apps", resource: "deployments", kind: "Deployment" },
    { group: "apps", resource: "replicasets", kind: "ReplicaSet" },
    { group: "apps", resource: "statefulsets", kind: "StatefulSet" },
    { group: "apps", resource: "daemonsets", kind: "DaemonSet" },
    { group: "batch", resource: "jobs", kind: "Job" },
    { group: "batch", resource: "cronjobs", kind: "CronJob" },
  ];

  test("is the only webhook, with failurePolicy Fail, NoneOnDryRun side effects and v1 reviews only", () => {
    assert.equal((registration["webhooks"] as unknown[]).length, 1);
    assert.equal(webhook["failurePolicy"], "Fail");
    assert.equal(webhook["sideEffects"], "NoneOnDryRun");
    assert.deepEqual(webhook["admissionReviewVersions"], ["v1"]);
    assert.equal(webhook["matchPolicy"], "Equivalent");
  });

  test("times out after 10 s, which leaves the engine its full metadata budget and the margin to answer", () => {
    const seconds = Number(webhook["timeoutSeconds"]);
    assert.equal(seconds, 10);
    const budget = reviewBudgetMs(defaultReviewTimeoutMs, seconds * 1000);
    assert.equal(budget, defaultReviewTimeoutMs);
    assert.ok(budget + answerMarginMs <= seconds * 1000);
  });

  for (const target of reviewed) {
    test(`covers ${target.group === "" ? "core" : target.group} ${target.resource} on CREATE and UPDATE, a kind the engine reviews`, () => {
      assert.ok(isReviewedWorkload({ group: target.group, kind: target.kind }, target.subResource));
      const rule = rules.find(
        (r) => (r["apiGroups"] as string[]).includes(target.group) && (r["resources"] as string[]).includes(target.resource),
      );
      assert.ok(rule, `a rule for ${target.resource}`);
      assert.deepEqual([...(rule["operations"] as string[])].sort(), ["CREATE", "UPDATE"]);
      assert.ok((rule["apiVersions"] as string[]).includes("v1"));
    });
  }

  test("has no rule beyond those kinds, and no wildcard", () => {
    const covered = rules.flatMap((r) => (r["apiGroups"] as string[]).flatMap((g) => (r["resources"] as string[]).map((res) => `${g}/${res}`)));
    assert.deepEqual(covered.sort(), reviewed.map((t) => `${t.group}/${t.resource}`).sort());
    assert.ok(!JSON.stringify(rules).includes('"*"'));
  });

  test("exempts kube-system, the webhook's own namespace, and namespaces labelled kritis-validation=disabled", () => {
    const expressions = valueAt(webhook, "namespaceSelector.matchExpressions") as JsonObject[];
    const byName = expressions.find((e) => e["key"] === "kubernetes.io/metadata.name");
    assert.equal(byName?.["operator"], "NotIn");
    assert.deepEqual([...(byName?.["values"] as string[])].sort(), ["kube-system", "scriba"]);
    assert.deepEqual(expressions.find((e) => e["key"] === "kritis-validation"), { key: "kritis-validation", operator: "NotIn", values: ["disabled"] });
  });

  test("calls the shipped Service at /validate", () => {
    const service = valueAt(webhook, "clientConfig.service") as JsonObject;
    assert.deepEqual(service, { name: "scriba-webhook", namespace: "scriba", path: "/validate", port: 443 });
    const shipped = named("Service", "scriba-webhook");
    assert.ok((valueAt(shipped, "spec.ports") as JsonObject[]).some((p) => p["port"] === 443 && p["targetPort"] === "https"));
  });

  test("takes the caBundle `scriba certs` prints through the documented sed, or cert-manager's injection", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    const text = readFileSync(join(deployDir, "admission/registration/validating-webhook.yaml"), "utf8");
    const placeholder = "# caBundle: <the caBundle line scriba certs prints>";
    assert.ok(text.includes(placeholder));
    const [filled] = parseAllDocuments(text.replace(placeholder, `caBundle: ${certificates.caBundle}`)).map((d) => d.toJS() as JsonObject);
    assert.equal(valueAt(filled, "webhooks[0].clientConfig.caBundle"), certificates.caBundle);
    assert.ok(certificates.dnsNames.includes("scriba-webhook.scriba.svc"));
    const annotations = valueAt(registration, "metadata.annotations") as JsonObject;
    const inject = String(annotations["cert-manager.io/inject-ca-from"]);
    const certificate = named("Certificate", "scriba-webhook-tls");
    assert.equal(inject, `${String(valueAt(certificate, "metadata.namespace"))}/${String(valueAt(certificate, "metadata.name"))}`);
    assert.ok((valueAt(certificate, "spec.dnsNames") as string[]).includes("scriba-webhook.scriba.svc"));
  });
});

describe("RBAC", () => {
  const roles = ofKind("ClusterRole").concat(ofKind("Role"));
  const bindings = ofKind("ClusterRoleBinding").concat(ofKind("RoleBinding"));

  /** Every (apiGroup, resource, verb) the bindings give a service account. */
  function grants(serviceAccount: string): string[] {
    const roleNames = bindings
      .filter((b) => (b.object["subjects"] as JsonObject[]).some((s) => s["kind"] === "ServiceAccount" && s["name"] === serviceAccount && s["namespace"] === "scriba"))
      .map((b) => String(valueAt(b.object, "roleRef.name")));
    return roles
      .filter((r) => roleNames.includes(String(valueAt(r.object, "metadata.name"))))
      .flatMap((r) => r.object["rules"] as JsonObject[])
      .flatMap((rule) =>
        (rule["apiGroups"] as string[]).flatMap((group) =>
          (rule["resources"] as string[]).flatMap((resource) => (rule["verbs"] as string[]).map((verb) => `${group}/${resource}:${verb}`)),
        ),
      )
      .sort();
  }

  const policyReads = policyResources.flatMap((r) => ["get", "list", "watch"].map((verb) => `${r.group}/${r.plural}:${verb}`));

  test("no rule uses a wildcard verb, resource or API group, or a non-resource URL", () => {
    for (const role of roles) {
      for (const rule of role.object["rules"] as JsonObject[]) {
        for (const field of ["verbs", "resources", "apiGroups"]) {
          assert.ok(!(rule[field] as string[]).some((value) => value.includes("*")), `${role.file}: ${field}`);
        }
        assert.equal(rule["nonResourceURLs"], undefined);
      }
    }
  });

  test("the webhook may read the Kritis policies and get Secrets by name (attest-on-pass keys), and nothing else", () => {
    assert.deepEqual(grants("scriba-webhook"), [...policyReads, "/secrets:get"].sort());
  });

  test("Secrets are only ever granted `get`, in rules about Secrets alone: never list or watch", () => {
    const secretRules = roles.flatMap((r) => (r.object["rules"] as JsonObject[]).filter((rule) => (rule["resources"] as string[]).includes("secrets")));
    assert.ok(secretRules.length > 0, "the webhook's signing-key reader is granted");
    for (const rule of secretRules) {
      assert.deepEqual(rule["verbs"], ["get"]);
      assert.deepEqual(rule["resources"], ["secrets"]);
      assert.deepEqual(rule["apiGroups"], [""]);
    }
  });

  test("the grant on Secrets explains itself and how to narrow it to resourceNames", () => {
    const text = readFileSync(join(deployDir, "admission/10-rbac.yaml"), "utf8");
    assert.match(text, /privateKeySecretName/);
    assert.match(text, /resourceNames:/);
  });

  test("the re-check may also list and patch pods, and never delete or evict them", () => {
    assert.deepEqual(grants("scriba-recheck"), [...policyReads, "/pods:list", "/pods:patch"].sort());
    const all = roles.flatMap((r) => (r.object["rules"] as JsonObject[]).flatMap((rule) => [...(rule["verbs"] as string[]), ...(rule["resources"] as string[])]));
    for (const forbidden of ["delete", "deletecollection", "create", "pods/eviction", "escalate", "bind", "impersonate"]) {
      assert.ok(!all.includes(forbidden), forbidden);
    }
    assert.ok(!grants("scriba-recheck").some((grant) => grant.startsWith("/secrets:")), "the re-check signs nothing and reads no Secret");
  });

  test("each workload runs as the identity the grants are for", () => {
    assert.equal(valueAt(named("Deployment", "scriba-webhook"), "spec.template.spec.serviceAccountName"), "scriba-webhook");
    assert.equal(valueAt(named("CronJob", "scriba-recheck"), "spec.jobTemplate.spec.template.spec.serviceAccountName"), "scriba-recheck");
  });
});

describe("the webhook Deployment", () => {
  const deployment = named("Deployment", "scriba-webhook");
  const pod = valueAt(deployment, "spec.template.spec") as JsonObject;
  const container = valueAt(pod, "containers[0]") as JsonObject;
  const args = container["args"] as string[];

  test("runs at least two replicas, and a PodDisruptionBudget keeps one", () => {
    assert.ok(Number(valueAt(deployment, "spec.replicas")) >= 2);
    const pdb = named("PodDisruptionBudget", "scriba-webhook");
    assert.equal(valueAt(pdb, "spec.minAvailable"), 1);
    assert.deepEqual(valueAt(pdb, "spec.selector.matchLabels"), valueAt(deployment, "spec.selector.matchLabels"));
  });

  test("probes /healthz for liveness and /readyz for readiness, over HTTPS", () => {
    assert.deepEqual(valueAt(container, "livenessProbe.httpGet"), { path: "/healthz", port: "https", scheme: "HTTPS" });
    assert.deepEqual(valueAt(container, "readinessProbe.httpGet"), { path: "/readyz", port: "https", scheme: "HTTPS" });
  });

  test("runs unprivileged: non-root, read-only root file system, no capabilities, RuntimeDefault seccomp", () => {
    assert.equal(valueAt(pod, "securityContext.runAsNonRoot"), true);
    assert.equal(valueAt(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
    assert.deepEqual(container["securityContext"], {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  test("mounts the TLS Secret that `scriba certs` and cert-manager create, where its arguments read it", () => {
    const volume = (pod["volumes"] as JsonObject[]).find((v) => v["name"] === "tls");
    assert.equal(valueAt(volume, "secret.secretName"), "scriba-webhook-tls");
    assert.equal(valueAt(named("Certificate", "scriba-webhook-tls"), "spec.secretName"), "scriba-webhook-tls");
    const mount = (container["volumeMounts"] as JsonObject[]).find((m) => m["name"] === "tls");
    assert.equal(mount?.["readOnly"], true);
    assert.ok(args.includes(`--tls-cert=${String(mount?.["mountPath"])}/tls.crt`));
    assert.ok(args.includes(`--tls-key=${String(mount?.["mountPath"])}/tls.key`));
  });

  test("reads policies live from the cluster and leaves the re-check to the CronJob", () => {
    assert.ok(args.includes("--policy-source=kubernetes"));
    assert.ok(args.includes("--recheck-interval=0"));
    const cron = named("CronJob", "scriba-recheck");
    assert.equal(valueAt(cron, "spec.concurrencyPolicy"), "Forbid");
    const cronArgs = valueAt(cron, "spec.jobTemplate.spec.template.spec.containers[0].args") as string[];
    assert.deepEqual(cronArgs.slice(0, 2), ["audit", "--once"]);
  });
});
