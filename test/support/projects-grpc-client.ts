/**
 * @module test/support/projects-grpc-client
 *
 * A small gRPC client for grafeas.v1.project.Projects. The npm Grafeas client
 * has no Projects client, so this one is built from the same protobuf-es
 * descriptors the server uses, on plain grpc-js.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { Projects } from "../../src/gen/grafeas/v1/project_pb.js";

type UnaryMethod = DescMethodUnary<DescMessage, DescMessage>;

export class ProjectsGrpcClient {
  readonly #client: grpc.Client;

  constructor(port: number) {
    this.#client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  #call<M extends UnaryMethod>(
    method: M,
    request: MessageInitShape<M["input"]>,
  ): Promise<MessageShape<M["output"]>> {
    const path = `/${method.parent.typeName}/${method.name}`;
    const message = create(method.input, request);
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        path,
        (value: MessageShape<M["input"]>) => Buffer.from(toBinary(method.input, value)),
        (bytes: Buffer) => fromBinary(method.output, bytes) as MessageShape<M["output"]>,
        message as MessageShape<M["input"]>,
        new grpc.Metadata(),
        { deadline: Date.now() + 15_000 },
        (error, value) => (error ? reject(error) : resolve(value!)),
      );
    });
  }

  createProject(name: string) {
    return this.#call(Projects.method.createProject, { project: { name } });
  }

  getProject(name: string) {
    return this.#call(Projects.method.getProject, { name });
  }

  listProjects(request: { pageSize?: number; pageToken?: string; filter?: string } = {}) {
    return this.#call(Projects.method.listProjects, request);
  }

  deleteProject(name: string) {
    return this.#call(Projects.method.deleteProject, { name });
  }

  close(): void {
    this.#client.close();
  }
}
