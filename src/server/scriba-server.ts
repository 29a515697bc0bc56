/**
 * @module server/scriba-server
 *
 * Composes one Scriba server: the store, the Grafeas and Projects services,
 * the RPC table, and the wire edges — gRPC and REST on one port, with the
 * health routes and any extra HTTP routes (v1alpha1, admission) beside them.
 *
 *   client ─► one-port listener ─┬─ HTTP/2 ─► gRPC edge ──────┐
 *                                └─ HTTP/1 ─► REST edge ──────┼─► RPC table ─► services ─► store
 *                                             └─ v1alpha1 edge ┘ (translates onto the services)
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ScribaError } from "../errors.js";
import { GrafeasService } from "../grafeas/grafeas-service.js";
import { PageTokens } from "../grafeas/page-token.js";
import { ProjectsService } from "../grafeas/projects-service.js";
import type { Logger } from "../logging/logger.js";
import type { Store } from "../store/store.js";
import { createGrpcServer } from "../wire/grpc-edge.js";
import { listenOnePort, type OnePortTls } from "../wire/one-port-listener.js";
import { createRestHandler, defaultMaxBodyBytes } from "../wire/rest-edge.js";
import type { RpcMethod } from "../wire/rpc.js";
import { v1alpha1Routes } from "../wire/v1alpha1/v1alpha1-routes.js";
import { grafeasRpcMethods, projectsRpcMethods } from "./grafeas-rpc.js";
import { healthRoutes } from "./health-routes.js";
import type { ListenAddress } from "./listen-address.js";

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ScribaServerOptions {
  readonly listen: ListenAddress;
  readonly store: Store;
  readonly logger: Logger;
  /** Shared by every replica of a fleet so page tokens work on any of them. */
  readonly pageTokenKey?: Uint8Array | undefined;
  readonly maxBodyBytes?: number | undefined;
  /** Serve gRPC and REST over TLS (optionally requiring client certificates) instead of cleartext. */
  readonly tls?: OnePortTls | undefined;
  /**
   * More HTTP routes, tried after the API and health routes. They receive the
   * services so they can translate onto them (v1alpha1, admission).
   */
  readonly extraRoutes?: ((services: ScribaServices) => ExtraRoutes) | undefined;
}

export interface ScribaServices {
  readonly grafeas: GrafeasService;
  readonly projects: ProjectsService;
  /** Every RPC, by full method name (`grafeas.v1.Grafeas/GetNote`). */
  readonly methods: ReadonlyMap<string, RpcMethod>;
}

export interface RunningScribaServer {
  readonly address: ListenAddress;
  readonly services: ScribaServices;
  /** Stops the listener and closes the store. */
  close(): Promise<void>;
}

export function createServices(store: Store, pageTokenKey?: Uint8Array): ScribaServices {
  const pageTokens = new PageTokens(pageTokenKey);
  const grafeas = new GrafeasService({ store, pageTokens });
  const projects = new ProjectsService({ store, pageTokens });
  const all = [...grafeasRpcMethods(grafeas), ...projectsRpcMethods(projects)];
  const methods = new Map(all.map((m) => [`${m.method.parent.typeName}/${m.method.name}`, m]));
  return { grafeas, projects, methods };
}

export async function startScribaServer(options: ScribaServerOptions): Promise<RunningScribaServer> {
  const { store, logger } = options;
  const services = createServices(store, options.pageTokenKey);
  const methods = [...services.methods.values()];
  const logInternalError = (where: string, error: ScribaError) =>
    logger.error("internal error", { where, error: error.cause ?? error });

  const health = healthRoutes(store);
  const legacy = v1alpha1Routes({
    grafeas: services.grafeas,
    projects: services.projects,
    maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
    logInternalError,
  });
  const extra = options.extraRoutes?.(services);
  const httpHandler = createRestHandler({
    methods,
    logInternalError,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    extraRoutes: (req, res) => health(req, res) || legacy(req, res) || (extra?.(req, res) ?? false),
  });
  const grpcServer = createGrpcServer({ methods, logInternalError });
  const listener = await listenOnePort({
    host: options.listen.host,
    port: options.listen.port,
    httpHandler,
    grpcServer,
    tls: options.tls,
  });
  logger.info("scriba serving", {
    address: listener.address,
    store: store.kind,
    protocols: ["grpc", "rest", "v1alpha1"],
    tls: options.tls === undefined ? "off" : options.tls.clientCa === undefined ? "on" : "mutual",
  });
  return {
    address: listener.address,
    services,
    async close() {
      await listener.close();
      await store.close();
    },
  };
}
