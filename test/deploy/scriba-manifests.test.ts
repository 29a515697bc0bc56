/**
 * The Kubernetes manifests in deploy/scriba: every document parses, uses only
 * API versions that current Kubernetes serves (nothing removed in 1.22 or
 * later), and holds the invariants a scaled-out Scriba relies on: several
 * replicas, the health probes the server answers, a disruption budget that
 * still lets nodes drain, a locked-down container, and references (Secret
 * keys, ConfigMap, labels, ports) that resolve.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { describe, test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { serveSettings } from "../../src/cli/commands/serve.js";
import { readConfigFile } from "../../src/cli/settings.js";

const root = fileURLToPath(new URL("../../deploy/scriba/", import.meta.url));

/** API versions and kinds that Kubernetes 1.22+ serves, for what these manifests may contain. */
const served: Record<string, readonly string[]> = {
  v1: ["Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount"],
  "apps/v1": ["Deployment"],
  "policy/v1": ["PodDisruptionBudget"],
  "networking.k8s.io/v1": ["NetworkPolicy"],
};

/** A parsed manifest, walked by known paths; a wrong path fails the assertion that uses it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Manifest {
  readonly file: string;
  readonly object: Json;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

const files = yamlFiles(root);
/** What did not parse cleanly; reported by a test rather than failing the whole file at load. */
const parseProblems: string[] = [];
const manifests: Manifest[] = files.flatMap((path) => {
  const file = relative(root, path);
  const text = readFileSync(path, "utf8");
  const documents = parseAllDocuments(text);
  const asKubernetesReads = parseAllDocuments(text, { version: "1.1" });
  return documents.map((document, index) => {
    for (const problem of [...document.errors, ...document.warnings]) parseProblems.push(`${file}: ${problem.message}`);
    const object = document.toJS() as Json;
    // Kubernetes reads YAML 1.1 (where 0440 is octal and `yes` is true): both readings must agree.
    if (!isDeepStrictEqual(asKubernetesReads[index]?.toJS(), object)) {
      parseProblems.push(`${file}: YAML 1.1 and 1.2 read document ${index + 1} differently`);
    }
    return { file, object };
  });
});

const ofKind = (kind: string) => manifests.filter((m) => m.object.kind === kind).map((m) => m.object);
function one(kind: string): Json {
  const found = ofKind(kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}`);
  return found[0]!;
}

const matches = (selector: Json, labels: Json) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe("the Scriba Kubernetes manifests", () => {
  test("every file parses without errors or warnings, and the same in YAML 1.1 (what Kubernetes reads) and 1.2", () => {
    assert.deepEqual(parseProblems, []);
  });

  test("there are manifests, and every document is a Kubernetes object", () => {
    assert.ok(files.length >= 5, `found ${files.length} files`);
    for (const { file, object } of manifests) {
      assert.ok(object !== null && typeof object === "object", `${file}: empty document`);
      assert.equal(typeof object.metadata?.name, "string", `${file}: metadata.name`);
    }
  });

  test("every object uses an API version and kind that Kubernetes 1.22 and later serve", () => {
    for (const { file, object } of manifests) {
      const kinds = served[object.apiVersion as string];
      assert.ok(kinds !== undefined, `${file}: apiVersion ${object.apiVersion} is not in the allow-list`);
      assert.ok(kinds.includes(object.kind as string), `${file}: ${object.apiVersion} ${object.kind} is not in the allow-list`);
    }
  });

  test("every namespaced object lives in the namespace the manifests create", () => {
    const namespace = one("Namespace").metadata.name as string;
    for (const { file, object } of manifests) {
      if (object.kind !== "Namespace") assert.equal(object.metadata.namespace, namespace, `${file}: ${object.kind}`);
    }
  });

  test("the Deployment runs at least two replicas, selected by its own pod labels", () => {
    const deployment = one("Deployment");
    assert.ok(deployment.spec.replicas >= 2, `replicas: ${deployment.spec.replicas}`);
    assert.ok(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, "a rollout never drops below the replica count");
  });

  test("the Deployment spreads replicas across nodes and zones", () => {
    const pod = one("Deployment").spec.template.spec;
    const keys = (pod.topologySpreadConstraints as Json[]).map((c) => c.topologyKey as string);
    assert.ok(keys.includes("kubernetes.io/hostname") && keys.includes("topology.kubernetes.io/zone"), keys.join());
    for (const constraint of pod.topologySpreadConstraints as Json[]) {
      assert.ok(matches(constraint.labelSelector.matchLabels, one("Deployment").spec.template.metadata.labels));
    }
    assert.ok(pod.affinity.podAntiAffinity, "pod anti-affinity");
  });

  test("readiness asks GET /readyz and liveness GET /healthz on port 8080, where the server listens", () => {
    const container = one("Deployment").spec.template.spec.containers[0];
    assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: 8080 });
    assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: 8080 });
    assert.deepEqual(container.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    const config = parse(one("ConfigMap").data["config.yaml"] as string) as Json;
    assert.equal(config.listen, "0.0.0.0:8080");
  });

  test("the container runs as non-root, read-only, without privileges, and with resource requests", () => {
    const pod = one("Deployment").spec.template.spec;
    const container = pod.containers[0];
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(container.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    assert.ok(container.resources.limits.memory);
  });

  test("storage and the page-token key come from the Secret, never from the ConfigMap", () => {
    const secret = one("Secret");
    const container = one("Deployment").spec.template.spec.containers[0];
    const env = new Map((container.env as Json[]).map((e) => [e.name as string, e]));
    for (const name of ["SCRIBA_STORAGE", "SCRIBA_PAGE_TOKEN_KEY"]) {
      const ref = env.get(name)?.valueFrom?.secretKeyRef;
      assert.equal(ref?.name, secret.metadata.name, `${name} comes from the Secret`);
      assert.ok(ref.key in secret.stringData, `${name}: the Secret has key ${ref.key}`);
    }
    const config = parse(one("ConfigMap").data["config.yaml"] as string) as Json;
    assert.equal(config.storage, undefined);
    assert.equal(config.pageTokenKey, undefined);
  });

  test("the Secret template holds only placeholders", () => {
    for (const [key, value] of Object.entries(one("Secret").stringData as Record<string, string>)) {
      assert.match(value, /REPLACE_ME/, `${key} must be a placeholder`);
    }
  });

  test("mounted volumes name the ConfigMap and Secret keys that exist, and files the config points to", () => {
    const pod = one("Deployment").spec.template.spec;
    const volumes = new Map((pod.volumes as Json[]).map((v) => [v.name as string, v]));
    assert.equal(volumes.get("config")?.configMap?.name, one("ConfigMap").metadata.name);
    const secretVolume = volumes.get("secrets")?.secret;
    assert.equal(secretVolume?.secretName, one("Secret").metadata.name);
    for (const item of secretVolume.items as Json[]) assert.ok(item.key in one("Secret").stringData, item.key);
    const mounts = new Map((pod.containers[0].volumeMounts as Json[]).map((m) => [m.name as string, m.mountPath as string]));
    const config = parse(one("ConfigMap").data["config.yaml"] as string) as Json;
    const passwordFile = config.postgres.passwordFile as string;
    const secretFiles = (secretVolume.items as Json[]).map((item) => `${mounts.get("secrets")}/${item.path}`);
    assert.ok(secretFiles.includes(passwordFile), `${passwordFile} is mounted`);
    const configEnv = (pod.containers[0].env as Json[]).find((e) => e.name === "SCRIBA_CONFIG")?.value as string;
    assert.equal(configEnv, `${mounts.get("config")}/config.yaml`);
  });

  test("every Service selects the Deployment's pods on the container's port", () => {
    const template = one("Deployment").spec.template;
    const services = ofKind("Service");
    assert.ok(services.length >= 1);
    for (const service of services) {
      assert.ok(matches(service.spec.selector, template.metadata.labels), service.metadata.name);
      for (const port of service.spec.ports as Json[]) {
        assert.equal(port.port, 8080);
        const target = template.spec.containers[0].ports.find((p: Json) => p.name === port.targetPort || p.containerPort === port.targetPort);
        assert.ok(target, `${service.metadata.name}: targetPort ${port.targetPort} resolves`);
      }
    }
  });

  test("the PodDisruptionBudget keeps one replica and still lets a node drain", () => {
    const budget = one("PodDisruptionBudget");
    const deployment = one("Deployment");
    assert.equal(budget.spec.minAvailable, 1);
    assert.ok(budget.spec.minAvailable < deployment.spec.replicas, "some replica can always be evicted");
    assert.ok(matches(budget.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
  });
});

describe("the Scriba ConfigMap", () => {
  test("holds a config file that scriba serve accepts, key for key", () => {
    const configMap = one("ConfigMap") as { data: Record<string, string> };
    const dir = mkdtempSync(join(tmpdir(), "scriba-config-"));
    try {
      const path = join(dir, "config.yaml");
      writeFileSync(path, configMap.data["config.yaml"]!);
      const values = readConfigFile(path, Object.values(serveSettings));
      assert.equal(values.get("postgres.poolSize"), 10);
      assert.equal(values.get("listen"), "0.0.0.0:8080");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
