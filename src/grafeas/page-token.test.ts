import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import { PageTokens, parsePageTokenKey } from "./page-token.js";

const key = new Uint8Array(32).fill(7);
const isInvalid = (text: string) => (e: unknown) =>
  e instanceof ScribaError && e.code === "INVALID_ARGUMENT" && e.message.includes(text);

describe("PageTokens", () => {
  test("a token opens to the cursor it was issued for", () => {
    const tokens = new PageTokens(key);
    assert.equal(tokens.open("scope", tokens.issue("scope", "42")), "42");
  });

  test("a token from a server with the same key opens on another server", () => {
    const token = new PageTokens(key).issue("scope", "7");
    assert.equal(new PageTokens(Uint8Array.from(key)).open("scope", token), "7");
  });

  test("a token from a server with another key is refused", () => {
    const token = new PageTokens(new Uint8Array(32).fill(1)).issue("scope", "7");
    assert.throws(() => new PageTokens(key).open("scope", token), isInvalid("not issued by this server"));
  });

  test("a token replayed against another filter or parent is refused", () => {
    const tokens = new PageTokens(key);
    const token = tokens.issue("ListOccurrences\nprojects/a\nkind=\"BUILD\"", "3");
    assert.throws(
      () => tokens.open("ListOccurrences\nprojects/a\nkind=\"VULNERABILITY\"", token),
      isInvalid("different parent or filter"),
    );
  });

  test("an altered token is refused", () => {
    const tokens = new PageTokens(key);
    const token = tokens.issue("s", "3");
    const forged = `${Buffer.from("1\nxxxxxxxxxxxxxxxx\n999").toString("base64url")}.${token.split(".")[1]}`;
    assert.throws(() => tokens.open("s", forged), isInvalid("altered"));
    assert.throws(() => tokens.open("s", "garbage"), isInvalid("altered"));
  });

  test("keys shorter than 32 bytes are refused", () => {
    assert.throws(() => new PageTokens(new Uint8Array(8)), isInvalid("32 bytes"));
    assert.throws(() => parsePageTokenKey("c2hvcnQ="), isInvalid("32 bytes"));
    assert.equal(parsePageTokenKey("ab".repeat(32)).length, 32);
  });
});
