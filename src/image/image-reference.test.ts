import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import {
  formatImageReference,
  parseImageReference,
  pinnedReference,
  resourceUriOf,
} from "./image-reference.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";

describe("parseImageReference", () => {
  test("a bare Docker Hub name becomes docker.io/library/<name>", () => {
    const image = parseImageReference("nginx");
    assert.equal(image.repository, "docker.io/library/nginx");
    assert.equal(image.tag, undefined);
  });

  test("a Docker Hub user repository keeps its namespace", () => {
    assert.equal(parseImageReference("bitnami/redis:7").repository, "docker.io/bitnami/redis");
  });

  test("index.docker.io is the same registry as docker.io", () => {
    assert.equal(parseImageReference("index.docker.io/library/nginx").repository, "docker.io/library/nginx");
  });

  test("a registry with a port is kept with its port and the tag is split off", () => {
    const image = parseImageReference("localhost:5000/team/app:1.2");
    assert.equal(image.registry, "localhost:5000");
    assert.equal(image.path, "team/app");
    assert.equal(image.tag, "1.2");
  });

  test("a digest reference yields the digest and the https resource URI", () => {
    const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
    assert.equal(image.digest, digest);
    assert.equal(resourceUriOf(image), `https://gcr.io/hightowerlabs/payment@${digest}`);
  });

  test("tag plus digest keeps both, and the pinned form drops the tag", () => {
    const image = parseImageReference(`nginx:1.25@${digest}`);
    assert.equal(formatImageReference(image), `docker.io/library/nginx:1.25@${digest}`);
    assert.equal(pinnedReference(image), `docker.io/library/nginx@${digest}`);
  });

  test("a tag-only reference has no pinned form", () => {
    assert.equal(pinnedReference(parseImageReference("gcr.io/p/app:latest")), undefined);
  });

  for (const [reference, reason] of [
    ["", "empty"],
    ["Nginx", "lowercase"],
    ["nginx@sha256:abc", "right length"],
    ["nginx@md5:0123", "sha256"],
    ["gcr.io/p/app:bad tag", "tag"],
    ["gcr.io//app", "component"],
    ["exa mple.com/app", "host[:port]"],
    [" nginx", "white space"],
  ] as const) {
    test(`rejects ${JSON.stringify(reference)} with a reason mentioning "${reason}"`, () => {
      assert.throws(
        () => parseImageReference(reference),
        (error: unknown) =>
          error instanceof ScribaError &&
          error.code === "INVALID_ARGUMENT" &&
          error.message.includes(reason),
      );
    });
  }
});
