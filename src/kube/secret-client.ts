/**
 * @module kube/secret-client
 *
 * Reads one Secret by namespace and name: `GET
 * /api/v1/namespaces/NS/secrets/NAME`, nothing else. The webhook reads the
 * Secret an ImageSecurityPolicy names in `privateKeySecretName` (Kritis'
 * signing key for attest-on-pass), and only that one: it never lists or
 * watches Secrets, so its RBAC can be `get` alone, and narrowed by operators
 * to `resourceNames` (deploy/admission/10-rbac.yaml).
 *
 * A Secret that is missing, forbidden or unreadable is an answer, not an
 * exception: the caller decides what it means. The answer's detail is
 * secret-free (the API's Status message and a permission hint); the data is
 * returned decoded and never logged here.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { CoreV1Api } from "@kubernetes/client-node";
import { describeFailure, httpStatusOfFailure } from "./api-failure.js";
import { secretResource } from "./kritis-resources.js";

export type SecretRead =
  | {
      readonly found: true;
      /** Changes whenever the Secret does; lets a caller skip re-parsing an unchanged one. */
      readonly resourceVersion: string | undefined;
      /** `data`, base64-decoded. */
      readonly data: ReadonlyMap<string, Buffer>;
    }
  | {
      readonly found: false;
      /** not-found (404), forbidden (401/403), unavailable (anything else). */
      readonly reason: "not-found" | "forbidden" | "unavailable";
      readonly detail: string;
    };

/** What reads a Secret; the webhook's is {@link SecretClient}, tests may give their own. */
export interface SecretSource {
  readSecret(namespace: string, name: string): Promise<SecretRead>;
}

export class SecretClient implements SecretSource {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async readSecret(namespace: string, name: string): Promise<SecretRead> {
    try {
      const secret = await this.core.readNamespacedSecret({ name, namespace });
      const data = new Map<string, Buffer>();
      for (const [key, value] of Object.entries(secret.data ?? {})) data.set(key, Buffer.from(value, "base64"));
      return { found: true, resourceVersion: secret.metadata?.resourceVersion, data };
    } catch (error) {
      const status = httpStatusOfFailure(error);
      const reason = status === 404 ? "not-found" : status === 401 || status === 403 ? "forbidden" : "unavailable";
      return { found: false, reason, detail: describeFailure(error, secretResource, "get") };
    }
  }
}
