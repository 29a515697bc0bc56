/**
 * Choosing the Kubernetes API configuration. Connections go to the FAKE API
 * server of test/support (a loopback test double), over HTTPS with a
 * generated CA where the service account path is tested.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { ScribaError } from "../errors.js";
import { generateWebhookCertificates } from "../tls/webhook-certificates.js";
import { FakeKubeApiServer } from "../../test/support/fake-kube-apiserver.js";
import { pod } from "../../test/support/kube-objects.js";
import { loadKubeConfig, serviceAccountDirectory } from "./kube-config.js";

const isScribaError = (code: string, pattern?: RegExp) => (error: unknown) =>
  error instanceof ScribaError && error.code === code && (pattern === undefined || pattern.test(error.message));

describe("loadKubeConfig", () => {
  let fake: FakeKubeApiServer;
  let other: FakeKubeApiServer;
  let directory: string;
  let fakeFile: string;
  let otherFile: string;

  before(async () => {
    fake = await FakeKubeApiServer.start();
    fake.create(pod("a", "from-fake"));
    other = await FakeKubeApiServer.start();
    directory = await mkdtemp(join(tmpdir(), "scriba-kubeconfig-"));
    fakeFile = join(directory, "fake.yaml");
    otherFile = join(directory, "other.yaml");
    await writeFile(fakeFile, fake.kubeconfigYaml({ contextName: "fake" }));
    await writeFile(otherFile, other.kubeconfigYaml({ contextName: "other" }));
  });

  after(async () => {
    await fake.close();
    await other.close();
    await rm(directory, { recursive: true, force: true });
  });

  test("loads an explicit kubeconfig file and reaches the API server it names", async () => {
    const loaded = loadKubeConfig({ kubeconfigPath: fakeFile, env: {} });
    assert.equal(loaded.source, "kubeconfig-file");
    assert.equal(loaded.server, fake.url);
    assert.equal(loaded.context, "fake");
    const pods = await loaded.kubeConfig.makeApiClient(CoreV1Api).listPodForAllNamespaces();
    assert.deepEqual(pods.items.map((p) => p.metadata?.name), ["from-fake"]);
  });

  test("prefers the explicit file over KUBECONFIG", () => {
    const loaded = loadKubeConfig({ kubeconfigPath: fakeFile, env: { KUBECONFIG: otherFile } });
    assert.equal(loaded.server, fake.url);
  });

  test("reads KUBECONFIG as a list of files: missing ones skipped, the first current-context and definitions win", () => {
    const missing = join(directory, "missing.yaml");
    const loaded = loadKubeConfig({ env: { KUBECONFIG: [missing, otherFile, fakeFile].join(delimiter) } });
    assert.equal(loaded.source, "KUBECONFIG");
    assert.equal(loaded.context, "other");
    assert.equal(loaded.server, other.url);
    assert.deepEqual(loaded.kubeConfig.getContexts().map((c) => c.name), ["other", "fake"]);
  });

  test("switches to the context asked for", () => {
    const loaded = loadKubeConfig({ env: { KUBECONFIG: [otherFile, fakeFile].join(delimiter) }, context: "fake" });
    assert.equal(loaded.server, fake.url);
  });

  test("refuses a context that is not defined", () => {
    assert.throws(() => loadKubeConfig({ kubeconfigPath: fakeFile, env: {}, context: "nope" }), isScribaError("INVALID_ARGUMENT", /"nope"/));
  });

  test("refuses a KUBECONFIG whose files all do not exist", () => {
    const missing = join(directory, "missing.yaml");
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: missing } }), isScribaError("FAILED_PRECONDITION", /missing\.yaml/));
  });

  test("reports a malformed kubeconfig without echoing its content", async () => {
    const broken = join(directory, "broken.yaml");
    await writeFile(broken, "users:\n- name: admin\n  user: {token: sup3rsecret\n");
    assert.throws(
      () => loadKubeConfig({ kubeconfigPath: broken, env: {} }),
      (error: unknown) => isScribaError("FAILED_PRECONDITION", /broken\.yaml is not a valid kubeconfig file: invalid YAML at line/)(error) && !String((error as Error).message).includes("sup3rsecret"),
    );
  });

  test("reports a kubeconfig without a current context", async () => {
    const noContext = join(directory, "no-context.yaml");
    await writeFile(noContext, fake.kubeconfigYaml().replace(/^current-context:.*$/m, ""));
    assert.throws(() => loadKubeConfig({ kubeconfigPath: noContext, env: {} }), isScribaError("FAILED_PRECONDITION", /no current-context/));
  });

  test("says what it looked for when no configuration is available", () => {
    assert.throws(
      () => loadKubeConfig({ env: {}, serviceAccountRoot: join(directory, "nothing-here") }),
      isScribaError("FAILED_PRECONDITION", /--kubeconfig.*KUBECONFIG.*KUBERNETES_SERVICE_HOST/),
    );
  });

  test("uses the pod's service account token and CA when there is no kubeconfig", async () => {
    const tls = await generateWebhookCertificates({ service: "kubernetes", namespace: "default", ipAddresses: ["127.0.0.1"] });
    const secure = await FakeKubeApiServer.start({
      tls: { cert: tls.certificatePem, key: tls.privateKeyPem, ca: tls.caCertificatePem },
      token: "service-account-token",
    });
    try {
      secure.create(pod("a", "seen-from-the-pod"));
      const root = join(directory, "pod-root");
      const accountDirectory = join(root, serviceAccountDirectory);
      await mkdir(accountDirectory, { recursive: true });
      await writeFile(join(accountDirectory, "token"), "service-account-token");
      await writeFile(join(accountDirectory, "ca.crt"), tls.caCertificatePem);
      await writeFile(join(accountDirectory, "namespace"), "scriba");
      const port = new URL(secure.url).port;

      const loaded = loadKubeConfig({
        env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port },
        serviceAccountRoot: root,
      });
      assert.equal(loaded.source, "in-cluster");
      assert.equal(loaded.server, `https://127.0.0.1:${port}`);
      const pods = await loaded.kubeConfig.makeApiClient(CoreV1Api).listPodForAllNamespaces();
      assert.deepEqual(pods.items.map((p) => p.metadata?.name), ["seen-from-the-pod"]);
    } finally {
      await secure.close();
    }
  });
});
