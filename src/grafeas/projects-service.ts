/**
 * @module grafeas/projects-service
 *
 * The grafeas.v1.project.Projects service. Projects are also created
 * implicitly by the first note or occurrence written into them (the seed's
 * walkthrough never creates `projects/image-signing`), so both kinds appear in
 * ListProjects; a project can only be deleted once it is empty.
 */
import type {
  CreateProjectRequest,
  DeleteProjectRequest,
  GetProjectRequest,
  ListProjectsRequest,
} from "../gen/grafeas/v1/project_pb.js";
import type { StoredRecord, Store } from "../store/store.js";
import type { CallContext } from "../wire/rpc.js";
import { invalidArgument } from "../errors.js";
import { allowAll, type Authorizer } from "./authorizer.js";
import type { RecordPage } from "./grafeas-service.js";
import { prepareList, type PageLimits } from "./list-request.js";
import { PageTokens } from "./page-token.js";
import { parseProjectName } from "./resource-names.js";

/** ListProjects pages are larger by default, as in Grafeas (100). */
export const projectPageLimits: PageLimits = { defaultPageSize: 100, maxPageSize: 1000 };

export class ProjectsService {
  readonly #store: Store;
  readonly #auth: Authorizer;
  readonly #tokens: PageTokens;

  constructor(options: { store: Store; authorizer?: Authorizer; pageTokens?: PageTokens }) {
    this.#store = options.store;
    this.#auth = options.authorizer ?? allowAll;
    this.#tokens = options.pageTokens ?? new PageTokens();
  }

  async createProject(request: CreateProjectRequest, ctx: CallContext): Promise<StoredRecord> {
    if (request.project === undefined) throw invalidArgument("project is required");
    if (request.project.name === "") throw invalidArgument("project.name is required");
    const project = parseProjectName(request.project.name, "project.name");
    await this.#auth.check(ctx, project, "projects.create");
    return this.#store.createProject(project);
  }

  async getProject(request: GetProjectRequest, ctx: CallContext): Promise<StoredRecord> {
    const project = parseProjectName(request.name, "name");
    await this.#auth.check(ctx, project, "projects.get");
    return this.#store.getProject(project);
  }

  async listProjects(request: ListProjectsRequest, ctx: CallContext): Promise<RecordPage> {
    await this.#auth.check(ctx, undefined, "projects.list");
    const list = prepareList("ListProjects", "", "project", request, projectPageLimits, this.#tokens);
    const page = await this.#store.listProjects(list.query);
    return { records: page.records, nextPageToken: list.nextPageToken(page.nextCursor) };
  }

  async deleteProject(request: DeleteProjectRequest, ctx: CallContext): Promise<void> {
    const project = parseProjectName(request.name, "name");
    await this.#auth.check(ctx, project, "projects.delete");
    await this.#store.deleteProject(project);
  }
}
