/**
 * @module grafeas/page-token
 *
 * Opaque, tamper-proof page tokens. A token carries the store's cursor and a
 * hash of the request it belongs to (method, parent and filter), sealed with
 * HMAC-SHA256. A forged or damaged token, or one replayed against another
 * parent or filter, is INVALID_ARGUMENT — never a silent restart from the first
 * page (grafeas-pgsql's behaviour). Tokens do not expire: the cursor is a
 * position in a stable order, so it stays meaningful across restarts and across
 * replicas that share the signing key (`pageTokenKey` in the configuration).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { invalidArgument } from "../errors.js";

const version = "1";
const macBytes = 16;

export class PageTokens {
  readonly #key: Buffer;

  /** `key` must be at least 32 bytes; without one, a random per-process key is used. */
  constructor(key?: Uint8Array) {
    if (key !== undefined && key.length < 32) {
      throw invalidArgument("the page token key must be at least 32 bytes");
    }
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key);
  }

  /** The token for the page that starts after `cursor`, for the request described by `scope`. */
  issue(scope: string, cursor: string): string {
    const body = `${version}\n${scopeHash(scope)}\n${cursor}`;
    return `${Buffer.from(body).toString("base64url")}.${this.#mac(body).toString("base64url")}`;
  }

  /** The cursor inside `token`, after checking its seal and that it belongs to `scope`. */
  open(scope: string, token: string): string {
    const dot = token.indexOf(".");
    const body = dot > 0 ? Buffer.from(token.slice(0, dot), "base64url").toString() : "";
    const mac = dot > 0 ? Buffer.from(token.slice(dot + 1), "base64url") : Buffer.alloc(0);
    const expected = this.#mac(body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw invalidArgument("invalid page token: it was not issued by this server or was altered");
    }
    const [tokenVersion, hash, ...rest] = body.split("\n");
    if (tokenVersion !== version || rest.length === 0) {
      throw invalidArgument("invalid page token: unsupported token version");
    }
    if (hash !== scopeHash(scope)) {
      throw invalidArgument(
        "invalid page token: it belongs to a request with a different parent or filter",
      );
    }
    return rest.join("\n");
  }

  #mac(body: string): Buffer {
    return createHmac("sha256", this.#key).update(body).digest().subarray(0, macBytes);
  }
}

function scopeHash(scope: string): string {
  return createHash("sha256").update(scope).digest("base64url").slice(0, 16);
}

/** Parses a configured key: base64 or hex text of at least 32 bytes. */
export function parsePageTokenKey(text: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (bytes.length < 32) {
    throw invalidArgument("pageTokenKey must encode at least 32 bytes (base64 or hex)");
  }
  return bytes;
}
