/**
 * @module client/server-url
 *
 * The one check of a Grafeas server's base URL, wherever it is given (the
 * `--server` flag and `SCRIBA_SERVER` of every command, a client's
 * `baseUrl`): http or https, optionally with a path prefix
 * (`https://proxy.example/scriba`), and nothing a request URL could not keep
 * or should not carry. Credentials in the URL are refused rather than sent:
 * a bearer token is the way to authenticate. Messages do not echo a URL that
 * may hold a secret.
 */
import { invalidArgument } from "../errors.js";

export function parseServerUrl(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw invalidArgument(`the server URL must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidArgument("the server URL must not carry credentials; use a bearer token");
  }
  if (url.search !== "" || url.hash !== "") throw invalidArgument("the server URL must not have a query or fragment");
  return url;
}
