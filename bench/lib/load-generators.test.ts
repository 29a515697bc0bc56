import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server as GrpcServer } from "@grpc/grpc-js";
import { startBareGrpc } from "../servers/bare-grpc.js";
import { runGrpcLoad } from "./grpc-load.js";
import { runHttpLoad } from "./http-load.js";
import type { GrpcLoadSpec, HttpLoadSpec } from "./load-spec.js";

describe("the Node load generators", () => {
  let http: Server;
  let httpUrl = "";
  let grpc: GrpcServer;
  let grpcUrl = "";
  let posted = 0;

  before(async () => {
    http = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.method === "POST") posted += 1;
        const body = req.url === "/fail" ? "no" : "yes";
        res.writeHead(req.url === "/fail" ? 500 : 200, { "content-length": body.length });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address();
    httpUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const started = await startBareGrpc({
      kind: "bare-grpc",
      path: "/test.Echo/Call",
      replies: [[Buffer.from("ping").toString("base64"), Buffer.from("pong").toString("base64")]],
    });
    grpc = started.server;
    grpcUrl = `http://127.0.0.1:${started.port}`;
  });

  after(() => {
    http.close();
    grpc.forceShutdown();
  });

  const burst = (requests: HttpLoadSpec["requests"], count: number): HttpLoadSpec => ({
    protocol: "http",
    url: httpUrl,
    connections: 4,
    requests,
    order: "cycle",
    warmupSeconds: 0,
    durationSeconds: 0,
    burst: count,
  });

  test("a burst over HTTP/1.1 sends and times exactly that many requests", async () => {
    const outcome = await runHttpLoad(burst([{ method: "GET", path: "/ok" }], 50));
    assert.equal(outcome.completed, 50);
    assert.equal(outcome.errors, 0);
    assert.equal(outcome.histogram?.count, 50);
  });

  test("answers other than 2xx are counted as errors with their status", async () => {
    const outcome = await runHttpLoad(burst([{ method: "GET", path: "/fail" }], 10));
    assert.equal(outcome.errors, 10);
    assert.deepEqual(outcome.errorSamples[0], "HTTP 500");
  });

  test("request bodies reach the server on kept-alive connections", async () => {
    posted = 0;
    const outcome = await runHttpLoad(burst([{ method: "POST", path: "/ok", body: '{"a":1}' }], 20));
    assert.equal(outcome.errors, 0);
    assert.equal(posted, 20);
  });

  test("a timed run counts only the answers inside its window", async () => {
    const outcome = await runHttpLoad({ ...burst([{ method: "GET", path: "/ok" }], 1), burst: undefined, warmupSeconds: 0.2, durationSeconds: 0.3 });
    assert.ok(outcome.completed > 0);
    assert.ok(outcome.windowSeconds >= 0.29 && outcome.windowSeconds < 0.5, `window ${outcome.windowSeconds}`);
  });

  test("connections are spread over several targets (replicas)", async () => {
    const hits = [0, 0];
    const servers = hits.map((_, i) =>
      createServer((_req, res) => {
        hits[i]! += 1;
        res.end("ok");
      }),
    );
    const urls = await Promise.all(
      servers.map(
        (server) =>
          new Promise<string>((resolve) =>
            server.listen(0, "127.0.0.1", () => {
              const address = server.address();
              resolve(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
            }),
          ),
      ),
    );
    try {
      const outcome = await runHttpLoad({ ...burst([{ method: "GET", path: "/" }], 40), url: urls[0]!, extraUrls: [urls[1]!] });
      assert.equal(outcome.errors, 0);
      assert.ok(hits[0]! > 0 && hits[1]! > 0, `hits ${hits.join(", ")}`);
      assert.equal(hits[0]! + hits[1]!, 40);
    } finally {
      for (const server of servers) server.close();
    }
  });

  test("HTTPS targets work with a throw-away certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scriba-bench-tls-"));
    try {
      const made = spawnSync("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
      ]);
      assert.equal(made.status, 0, made.stderr?.toString());
      const server = createHttpsServer(
        { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
        (_req, res) => res.end("secure"),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      try {
        const outcome = await runHttpLoad({
          ...burst([{ method: "GET", path: "/" }], 10),
          url: `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
          insecureTls: true,
        });
        assert.equal(outcome.completed, 10);
        assert.equal(outcome.errors, 0);
      } finally {
        server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("gRPC calls succeed with grpc-status 0 and fail on an unknown method", async () => {
    const spec: GrpcLoadSpec = {
      protocol: "grpc",
      url: grpcUrl,
      connections: 1,
      streamsPerConnection: 4,
      path: "/test.Echo/Call",
      messages: [Buffer.from("ping").toString("base64")],
      order: "cycle",
      warmupSeconds: 0,
      durationSeconds: 0,
      burst: 20,
    };
    const good = await runGrpcLoad(spec);
    assert.equal(good.completed, 20);
    assert.equal(good.errors, 0);
    const bad = await runGrpcLoad({ ...spec, path: "/test.Echo/Missing", burst: 5 });
    assert.equal(bad.errors, 5);
    assert.match(bad.errorSamples[0] ?? "", /grpc-status 12/);
  });
});
