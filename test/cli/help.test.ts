/**
 * `scriba --help` and `scriba serve --help` from the real executable: every
 * command and every option, with its environment variable, config key and
 * default; and usage mistakes exit 2 with the reason.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { commands } from "../../src/cli/commands/index.js";
import { serveSettings } from "../../src/cli/commands/serve.js";
import { runScriba } from "../support/scriba-process.js";

describe("scriba help and usage", { timeout: 120_000 }, () => {
  test("scriba --help lists every command with its summary and exits 0", async () => {
    const run = await runScriba(["--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: scriba <command> \[options\]/m);
    assert.ok(commands.length > 0);
    for (const command of commands) {
      assert.match(run.stdout, new RegExp(`^  ${command.name}\\s+${escape(command.summary)}$`, "m"));
    }
  });

  test("scriba serve --help lists every option with its environment variable, config key and default", async () => {
    const run = await runScriba(["serve", "--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: scriba serve \[options\]/m);
    const expected = [
      { flag: "config", env: "SCRIBA_CONFIG", key: "config", default: undefined as string | undefined },
      ...Object.values(serveSettings).map((s) => ({ flag: s.flag, env: s.env, key: s.key, default: s.default })),
    ];
    for (const option of expected) {
      const line = new RegExp(`^  --${option.flag}\\b.*\\n\\s+\\((?:default ${escape(option.default ?? "")}; )?env ${option.env}; config ${escape(option.key)}\\)$`, "m");
      assert.match(run.stdout, line, `--${option.flag}`);
      if (option.default !== undefined) assert.ok(run.stdout.includes(`default ${option.default};`), `default of --${option.flag}`);
    }
    for (const flag of ["--listen", "--storage", "--config", "--page-token-key", "--max-request-bytes"]) {
      assert.ok(run.stdout.includes(flag), flag);
    }
  });

  test("scriba serve --help names the storage choices and the default listen address", async () => {
    const run = await runScriba(["serve", "--help"]);
    assert.match(run.stdout, /memory \| sqlite:PATH \| postgres:\/\//);
    assert.match(run.stdout, /default 127\.0\.0\.1:8080/);
  });

  test("scriba without a command prints the usage and exits 2", async () => {
    const run = await runScriba([]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^Usage: scriba <command>/m);
  });

  test("an unknown command exits 2 naming it", async () => {
    const run = await runScriba(["serv"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /scriba: unknown command "serv"/);
  });

  test("an unknown serve option exits 2 naming it", async () => {
    const run = await runScriba(["serve", "--listen-on", "127.0.0.1:0"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--listen-on/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
