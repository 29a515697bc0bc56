import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../logging/logger.js";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  gapYaml,
  images,
  ispYaml,
  pod,
  podSpec,
  policySet,
} from "./__fixtures__/admission-world.js";
import { TestTls } from "./__fixtures__/test-tls.js";
import { createAdmissionHandler } from "./admission-handler.js";
import type { RunningWebhookServer } from "./webhook-server.js";
import { readTlsFiles, startWebhookServer } from "./webhook-server.js";

const ns = "prod";
const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();

let tls: TestTls;
let world: MetadataWorld;
let server: RunningWebhookServer;
const logLines: string[] = [];

before(async () => {
  tls = TestTls.create();
  world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
  const policies = policySet(
    authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }]),
    gapYaml("require-qa", ns, ["qa"]),
    gapYaml("trial", "staging", ["qa"], { mode: "DRYRUN_AUDIT_LOG_ONLY" }),
    authorityYaml("qa", "staging", qaNote, [{ pkix: qaKey }]),
    ispYaml("strict", "batch-jobs", { maximumSeverity: "LOW" }),
  );
  const handler = createAdmissionHandler({
    policies,
    metadata: world.source,
    logger: createLogger({ write: (line) => logLines.push(line) }),
    maxBodyBytes: 64 * 1024,
  });
  server = await startWebhookServer({ host: "127.0.0.1", port: 0, tls: readTlsFiles(tls.certFile, tls.keyFile), handler });
});

after(async () => {
  await server.close();
  await world.close();
  tls.remove();
});

/** The JSON bodies the webhook answers with, as far as the tests read them. */
interface ReplyBody {
  readonly apiVersion: string;
  readonly kind: string;
  readonly status: string;
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status: { readonly code: number; readonly reason: string; readonly message: string };
    readonly warnings: readonly string[];
    readonly auditAnnotations: Record<string, string>;
  };
  readonly error: { readonly code: number; readonly status: string; readonly message: string };
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: ReplyBody;
}

/** Posts like the API server: HTTPS verified against the CA, JSON, `?timeout=10s`. */
function call(path: string, body: string | Buffer | undefined, options: { method?: string; contentType?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path,
        method: options.method ?? "POST",
        ca: tls.ca,
        headers: body === undefined ? {} : { "content-type": options.contentType ?? "application/json", accept: "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (text === "" ? undefined : JSON.parse(text)) as ReplyBody });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function review(request: Record<string, unknown>, apiVersion = "admission.k8s.io/v1"): string {
  return JSON.stringify({
    kind: "AdmissionReview",
    apiVersion,
    request: {
      uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
      userInfo: { username: "admin", uid: "014fbff9a07c", groups: ["system:authenticated"] },
      dryRun: false,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" },
      ...request,
    },
  });
}

const podCreate = (object: Record<string, unknown>, namespace = ns) => ({
  kind: { group: "", version: "v1", kind: "Pod" },
  resource: { group: "", version: "v1", resource: "pods" },
  requestKind: { group: "", version: "v1", kind: "Pod" },
  requestResource: { group: "", version: "v1", resource: "pods" },
  name: (object["metadata"] as { name: string }).name,
  namespace,
  operation: "CREATE",
  object,
  oldObject: null,
});

const validate = "/validate?timeout=10s";

describe("the webhook answers AdmissionReview v1 over HTTPS the way the API server expects", () => {
  test("an attested pod is admitted, with uid, apiVersion and kind echoed", async () => {
    const reply = await call(validate, review(podCreate(pod("web", ns, [{ image: images.web }]))));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.apiVersion, "admission.k8s.io/v1");
    assert.equal(reply.body.kind, "AdmissionReview");
    assert.equal(reply.body.response.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert.equal(reply.body.response.allowed, true);
    assert.equal(reply.body.response.status, undefined);
    assert.equal(reply.body.response.auditAnnotations.decision, "allow");
  });

  test("an unattested pod is denied with 403 and the seed's message", async () => {
    const reply = await call(validate, review(podCreate(pod("payment", ns, [{ image: images.payment, name: "app" }]))));
    const response = reply.body.response;
    assert.equal(response.allowed, false);
    assert.equal(response.status.code, 403);
    assert.equal(response.status.reason, "Forbidden");
    assert.ok(response.status.message.includes(`No matched signatures for container image: ${images.payment}`), response.status.message);
    assert.ok(response.status.message.startsWith("Pod prod/payment is denied:"), response.status.message);
    assert.equal(response.auditAnnotations.decision, "deny");
    assert.equal(response.auditAnnotations["denied-images"], `spec.containers[0].image=${images.payment}`);
  });

  test("the root path serves the same as /validate", async () => {
    const reply = await call("/", review(podCreate(pod("payment", ns, [{ image: images.payment }]))));
    assert.equal(reply.body.response.allowed, false);
  });

  test("a Deployment with an unattested template image is denied at its template path", async () => {
    const object = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "payment", namespace: ns },
      spec: { replicas: 2, selector: { matchLabels: { app: "payment" } }, template: { metadata: { labels: { app: "payment" } }, spec: podSpec([{ image: images.payment }]) } },
    };
    const reply = await call(
      validate,
      review({ kind: { group: "apps", version: "v1", kind: "Deployment" }, resource: { group: "apps", version: "v1", resource: "deployments" }, name: "payment", namespace: ns, operation: "CREATE", object }),
    );
    assert.equal(reply.body.response.allowed, false);
    assert.ok(reply.body.response.status.message.includes("spec.template.spec.containers[0].image"));
  });

  test("a CronJob with an unattested image is denied at its job template path", async () => {
    const object = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly", namespace: ns },
      spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: podSpec([{ image: images.payment }], { restartPolicy: "OnFailure" }) } } } },
    };
    const reply = await call(
      validate,
      review({ kind: { group: "batch", version: "v1", kind: "CronJob" }, resource: { group: "batch", version: "v1", resource: "cronjobs" }, name: "nightly", namespace: ns, operation: "CREATE", object }),
    );
    assert.equal(reply.body.response.allowed, false);
    assert.ok(reply.body.response.status.message.includes("spec.jobTemplate.spec.template.spec.containers[0].image"));
  });

  test("kubectl debug (pods/ephemeralcontainers) with an unpinned image is denied", async () => {
    const before = pod("web", ns, [{ image: images.web }]);
    const after = pod("web", ns, [{ image: images.web }], {
      spec: { ephemeralContainers: [{ name: "debugger-x7k2p", image: "busybox", targetContainerName: "c0" }] },
    });
    const reply = await call(
      validate,
      review({
        kind: { group: "", version: "v1", kind: "Pod" },
        resource: { group: "", version: "v1", resource: "pods" },
        subResource: "ephemeralcontainers",
        name: "web",
        namespace: ns,
        operation: "UPDATE",
        object: after,
        oldObject: before,
      }),
    );
    assert.equal(reply.body.response.allowed, false);
    assert.ok(reply.body.response.status.message.includes('spec.ephemeralContainers[0].image (container "debugger-x7k2p"), image busybox'));
  });

  test("an admission.k8s.io/v1beta1 review is answered as v1beta1", async () => {
    const reply = await call(validate, review(podCreate(pod("web", ns, [{ image: images.web }])), "admission.k8s.io/v1beta1"));
    assert.equal(reply.body.apiVersion, "admission.k8s.io/v1beta1");
    assert.equal(reply.body.response.allowed, true);
  });

  test("a dry-run policy admits and returns warnings no longer than 256 characters", async () => {
    const reply = await call(validate, review(podCreate(pod("payment", "staging", [{ image: images.payment }]), "staging")));
    const response = reply.body.response;
    assert.equal(response.allowed, true);
    assert.equal(response.auditAnnotations.decision, "dry-run-would-deny");
    assert.ok(response.warnings.length >= 1);
    assert.ok(response.warnings[0]!.startsWith("dry run: Pod staging/payment"), response.warnings[0]);
    for (const warning of response.warnings) assert.ok(Array.from(warning).length <= 256, warning);
  });

  test("a kind that carries no pod spec is admitted without warnings or annotations", async () => {
    const reply = await call(
      validate,
      review({ kind: { group: "", version: "v1", kind: "ConfigMap" }, resource: { group: "", version: "v1", resource: "configmaps" }, namespace: ns, operation: "CREATE", object: { data: {} } }),
    );
    assert.deepEqual(reply.body.response, { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true });
  });

  test("a malformed pod inside a valid review is denied with 400 and the bad fields", async () => {
    const object = { apiVersion: "v1", kind: "Pod", metadata: { name: "bad", namespace: ns }, spec: { containers: "nginx" } };
    const reply = await call(validate, review(podCreate(object)));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.response.allowed, false);
    assert.equal(reply.body.response.status.code, 400);
    assert.ok(reply.body.response.status.message.includes("spec.containers: must be a list"));
  });

  test("each reviewed request leaves one decision record in the log", async () => {
    logLines.length = 0;
    await call(validate, review(podCreate(pod("payment", ns, [{ image: images.payment }]))));
    const records = logLines
      .map((l) => JSON.parse(l) as { msg: string; event: string; uid: string; namespace: string })
      .filter((r) => r.msg === "admission decision");
    assert.equal(records.length, 1);
    assert.equal(records[0]!.event, "deny");
    assert.equal(records[0]!.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert.equal(records[0]!.namespace, ns);
  });
});

describe("malformed or unexpected requests get a clear error, never a crash", () => {
  test("a body that is not JSON is 400 with a JSON error", async () => {
    const reply = await call(validate, "{not json");
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.status, "INVALID_ARGUMENT");
    assert.match(reply.body.error.message, /^the body is not valid JSON/);
  });

  test("a review without uid and with an unknown operation is 400 naming both fields", async () => {
    const reply = await call(validate, JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { kind: { group: "", version: "v1", kind: "Pod" }, operation: "PATCH" } }));
    assert.equal(reply.status, 400);
    assert.ok(reply.body.error.message.includes("request.uid: required"), reply.body.error.message);
    assert.ok(reply.body.error.message.includes('request.operation: must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"'));
  });

  test("an unknown apiVersion is 400", async () => {
    const reply = await call(validate, review(podCreate(pod("web", ns, [{ image: images.web }])), "admission.k8s.io/v2"));
    assert.equal(reply.status, 400);
    assert.match(reply.body.error.message, /apiVersion: must be admission\.k8s\.io\/v1 or admission\.k8s\.io\/v1beta1/);
  });

  test("a JSON array is 400", async () => {
    const reply = await call(validate, "[]");
    assert.equal(reply.status, 400);
  });

  test("a body of another content type is 415", async () => {
    const reply = await call(validate, "uid=1", { contentType: "application/x-www-form-urlencoded" });
    assert.equal(reply.status, 415);
  });

  test("a body over the size bound is 413", async () => {
    const reply = await call(validate, JSON.stringify({ padding: "x".repeat(70 * 1024) }));
    assert.equal(reply.status, 413);
    assert.equal(reply.body.error.status, "RESOURCE_EXHAUSTED");
  });

  test("GET /validate is 405 with an Allow header", async () => {
    const reply = await call("/validate", undefined, { method: "GET" });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers["allow"], "POST");
  });

  test("an unknown path is 404", async () => {
    const reply = await call("/mutate", review(podCreate(pod("web", ns, [{ image: images.web }]))));
    assert.equal(reply.status, 404);
  });

  test("GET /healthz answers ok", async () => {
    const reply = await call("/healthz", undefined, { method: "GET" });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { status: "ok" });
  });

  test("the webhook still answers after all of the above", async () => {
    const reply = await call(validate, review(podCreate(pod("web", ns, [{ image: images.web }]))));
    assert.equal(reply.body.response.allowed, true);
  });
});

describe("request.dryRun causes no side effects", () => {
  test("a dry-run request to a namespace with attest-on-pass stores no attestation", async () => {
    const local = new MetadataWorld();
    const tlsMaterial = readTlsFiles(tls.certFile, tls.keyFile);
    const checkedNote = "projects/vulnz-checked/notes/checked";
    const handler = createAdmissionHandler({
      policies: policySet(
        authorityYaml("checked", ns, checkedNote, [{ pkix: qaKey }]),
        ispYaml("strict", ns, { attestationAuthorityName: "checked" }),
      ),
      metadata: local.source,
    });
    const dryRunServer = await startWebhookServer({ host: "127.0.0.1", port: 0, tls: tlsMaterial, handler });
    try {
      const body = JSON.parse(review(podCreate(pod("web", ns, [{ image: images.web }]))));
      body.request.dryRun = true;
      const reply = await new Promise<ReplyBody>((resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: dryRunServer.port, path: validate, method: "POST", ca: tls.ca, headers: { "content-type": "application/json" } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReplyBody));
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
      assert.equal(reply.response.allowed, true);
      assert.deepEqual(await local.source.noteOccurrences(checkedNote, [`https://${images.web}`]), []);
    } finally {
      await dryRunServer.close();
      await local.close();
    }
  });
});
