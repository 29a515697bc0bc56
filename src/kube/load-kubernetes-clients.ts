/**
 * @module kube/load-kubernetes-clients
 *
 * Loads ./kubernetes-clients.ts, and with it `@kubernetes/client-node`, on
 * first use: see that module for why nothing imports it statically.
 */
import type * as KubernetesClientsModule from "./kubernetes-clients.js";

export type KubernetesClients = typeof KubernetesClientsModule;

export function loadKubernetesClients(): Promise<KubernetesClients> {
  return import("./kubernetes-clients.js");
}
