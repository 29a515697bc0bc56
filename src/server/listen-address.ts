/**
 * @module server/listen-address
 *
 * `HOST:PORT` listen addresses (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:443`).
 */
import { invalidArgument } from "../errors.js";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListenAddress(text: string, what = "listen address"): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw invalidArgument(`${what} must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got ${JSON.stringify(text)}`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
