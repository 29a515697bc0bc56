/**
 * @module kube/kubernetes-clients
 *
 * Every part of Scriba that talks to the Kubernetes API, in one module that
 * the commands load (./load-kubernetes-clients.ts) when they are configured
 * to talk to a cluster, and not before. Nothing outside `kube/` imports it,
 * or the modules it gathers, statically (tests aside).
 *
 * `@kubernetes/client-node` brings its generated API and models for every
 * Kubernetes resource: about 26 MB of heap in a process that never calls
 * them. A webhook reading its policies from a directory, `scriba sign` or
 * `scriba verify` has no use for them. In a webhook they also cost time per
 * review, although never called: a no-op HTTPS server spent 7–9% more CPU
 * per request with the client imported, and the warm webhook's CPU ratio
 * against that no-op rose by 2.5 and 3 points (1 and 10 images) once it no
 * longer loaded the client (docs/benchmarks.md).
 */
export { loadKubeConfig } from "./kube-config.js";
export type { LoadedKubeConfig } from "./kube-config.js";
export { PolicyWatcher } from "./policy-watcher.js";
export { PodClient } from "./pod-client.js";
export { SecretClient } from "./secret-client.js";
