import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import {
  firstMatchingPattern,
  matchesNamePattern,
  namePatternProblem,
  parseNamePattern,
} from "./name-pattern.js";

const zeros = `sha256:${"0".repeat(64)}`;
const ones = `sha256:${"1".repeat(64)}`;

describe("name patterns: the Kritis allowlist test table", () => {
  // The allowlist and the cases of Kritis' Test_imageInGapAllowlist.
  const allowlist = [
    "gcr.io/1-my-image*",
    "gcr.io/2-my-image-any-tag:*",
    "gcr.io/3-my-untagged-image",
    "gcr.io/4-my-image-tag-prefix:1.*",
    "gcr.io/5/long/path/my-image*",
    "gcr.io/6-my-image-w-tag:latest",
    `gcr.io/7-my-image@${zeros}`,
    "gcr.io/8-my-image@sha256:*",
    "local-image-1:*",
    "local-image-2:tag",
    "local-image-3:tag*",
  ].map(parseNamePattern);

  const cases: [string, string, boolean][] = [
    ["an exact name and tag match", "gcr.io/6-my-image-w-tag:latest", true],
    ["a matching name with another tag does not match", "gcr.io/6-my-image-w-tag:some", false],
    ["an any-tag pattern matches a tag", "gcr.io/2-my-image-any-tag:any", true],
    ["a name wildcard matches a longer name", "gcr.io/1-my-image-abc", true],
    ["a name wildcard matches a longer name with a tag", "gcr.io/1-my-image-abc:tag", true],
    ["an untagged pattern matches the untagged name", "gcr.io/3-my-untagged-image", true],
    ["an untagged pattern does not match a tagged name", "gcr.io/3-my-untagged-image:tag", false],
    ["a tag-prefix wildcard matches a tag with that prefix", "gcr.io/4-my-image-tag-prefix:1.3", true],
    ["a tag-prefix wildcard does not match another tag", "gcr.io/4-my-image-tag-prefix:2.3", false],
    ["a long-path wildcard matches within the last segment", "gcr.io/5/long/path/my-image-1:tag", true],
    ["a single * does not match across a slash", "gcr.io/5/long/path/my-image/image", false],
    ["an exact digest matches the same digest", `gcr.io/7-my-image@${zeros}`, true],
    ["an exact digest does not match another digest", `gcr.io/7-my-image@${ones}`, false],
    ["a digest wildcard matches any digest", `gcr.io/8-my-image@${ones}`, true],
    ["a local exact pattern matches", "local-image-2:tag", true],
    ["a local exact pattern does not match another tag", "local-image-2:tag2", false],
    ["a local any-tag pattern matches", "local-image-1:any-tag", true],
    ["a local tag-prefix pattern matches", "local-image-3:tag-any", true],
    ["a local tag-prefix pattern does not match a tag without the prefix", "local-image-3:1tag", false],
  ];
  for (const [name, image, expected] of cases) {
    test(`${name} (${image})`, () => {
      assert.equal(firstMatchingPattern(image, allowlist) !== undefined, expected);
    });
  }
});

describe("name patterns: Binary Authorization examples and ** ", () => {
  test("gcr.io/my-project/nginx* matches nginx:latest", () => {
    assert.ok(matchesNamePattern("gcr.io/my-project/nginx:latest", "gcr.io/my-project/nginx*"));
  });

  test("gcr.io/my-project/nginx* does not match a subdirectory nginx-images/nginx", () => {
    assert.ok(
      !matchesNamePattern("gcr.io/my-project/nginx-images/nginx", "gcr.io/my-project/nginx*"),
    );
  });

  test("a trailing ** matches images in subdirectories", () => {
    assert.ok(matchesNamePattern(`gcr.io/my-project/team/a/app@${zeros}`, "gcr.io/my-project/**"));
  });

  test("a trailing * on a directory matches only images directly inside it", () => {
    assert.ok(matchesNamePattern("gcr.io/my-project/app:1", "gcr.io/my-project/*"));
    assert.ok(!matchesNamePattern("gcr.io/my-project/team/app:1", "gcr.io/my-project/*"));
  });

  test("** alone matches every valid image", () => {
    assert.ok(matchesNamePattern("nginx", "**"));
    assert.ok(matchesNamePattern("localhost:5000/a/b/c:1", "**"));
  });

  test("a pattern does not match a repository that merely shares its prefix across a registry", () => {
    assert.ok(!matchesNamePattern("gcr.io.evil.example/my-project/app", "gcr.io/my-project/**"));
  });
});

describe("name patterns: normalisation", () => {
  test("a short Docker Hub pattern matches the fully written name", () => {
    assert.ok(matchesNamePattern("docker.io/library/nginx:1.25", "nginx:*"));
  });

  test("a fully written Docker Hub pattern matches the short name in a pod", () => {
    assert.ok(matchesNamePattern("nginx:1.25", "docker.io/library/nginx:*"));
  });

  test("index.docker.io in a pattern means docker.io", () => {
    assert.ok(matchesNamePattern("bitnami/redis:7", "index.docker.io/bitnami/*"));
  });

  test("docker.io/* matches the official single-segment images", () => {
    assert.ok(matchesNamePattern("nginx", "docker.io/*"));
    assert.ok(!matchesNamePattern("bitnami/redis", "docker.io/*"));
  });

  test("docker.io/ngin** matches both library/nginx and an organisation named nginx-team", () => {
    assert.ok(matchesNamePattern("nginx:1", "docker.io/ngin**"));
    assert.ok(matchesNamePattern("nginx-team/app:1", "docker.io/ngin**"));
  });

  test("an exact digest pattern matches the same digest decorated with a tag", () => {
    assert.ok(matchesNamePattern(`gcr.io/p/app:1.2@${zeros}`, `gcr.io/p/app@${zeros}`));
  });

  test("an exact tag pattern does not cover an arbitrary digest behind that tag", () => {
    assert.ok(!matchesNamePattern(`gcr.io/p/app:1.2@${ones}`, "gcr.io/p/app:1.2"));
  });

  test("an invalid image reference matches no pattern, not even **", () => {
    assert.ok(!matchesNamePattern("Gcr.io/UPPER/app", "**"));
  });
});

describe("name patterns: validation", () => {
  for (const [pattern, reason] of [
    ["", "must not be empty"],
    ["gcr.io/*/app", "before its end"],
    ["gcr.io/p/app***", "before its end"],
    ["*", "use \"**\""],
    ["gcr.io/p/app name", "characters"],
    ["gcr.io/p/App", "can never match"],
  ] as const) {
    test(`rejects ${JSON.stringify(pattern)} with a reason mentioning "${reason}"`, () => {
      assert.throws(
        () => parseNamePattern(pattern),
        (error: unknown) =>
          error instanceof ScribaError &&
          error.code === "INVALID_ARGUMENT" &&
          error.message.includes(reason),
      );
    });
  }

  test("namePatternProblem is undefined for a valid pattern and a message for an invalid one", () => {
    assert.equal(namePatternProblem("gcr.io/p/**"), undefined);
    assert.match(namePatternProblem("gcr.io/*/x") ?? "", /only a trailing \* or \*\*/);
  });
});
