/**
 * @module bench/servers/bare-http
 *
 * The REST baseline: a bare node:http server with no router, no framework and
 * no storage. GET answers the JSON body stored for the exact path (a Map
 * lookup; bodies are the same stored occurrences Scriba serves, so both send
 * the same bytes); POST reads the body, parses it as JSON, adds a name and
 * answers it. What is left between this and Scriba is everything Scriba does.
 */
import { createServer, type Server } from "node:http";

export interface BareHttpSpec {
  readonly kind: "bare-http";
  /** Path → JSON body for GET. */
  readonly bodies: Readonly<Record<string, string>>;
}

const notFound = '{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}';

export function startBareHttp(spec: BareHttpSpec): Promise<Server> {
  const bodies = new Map(Object.entries(spec.bodies));
  let created = 0;
  const server = createServer((req, res) => {
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        created += 1;
        const body = JSON.stringify({ name: `projects/bench/occurrences/${created}`, ...parsed });
        res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const body = bodies.get(query < 0 ? url : url.slice(0, query));
    const status = body === undefined ? 404 : 200;
    const text = body ?? notFound;
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
