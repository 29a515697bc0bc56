/**
 * @module wire/edge-call-context
 *
 * The CallContext an edge hands to a handler. Its AbortSignal is created only
 * when a handler asks for it: most calls finish without looking, and on Node 20
 * creating an AbortController per call is measurably expensive.
 */
import { ScribaError } from "../errors.js";
import type { CallContext } from "./rpc.js";

/**
 * Starts watching the call for its end; calls `abort` once when the client
 * has gone away or its deadline has passed (at once if that already happened).
 */
export type WatchCancellation = (abort: (reason: ScribaError) => void) => void;

export class EdgeCallContext implements CallContext {
  readonly principal: string | undefined;
  readonly #watch: WatchCancellation;
  #controller: AbortController | undefined;

  constructor(principal: string | undefined, watch: WatchCancellation) {
    this.principal = principal;
    this.#watch = watch;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      this.#watch((reason) => {
        if (!controller.signal.aborted) controller.abort(reason);
      });
    }
    return this.#controller.signal;
  }
}

export const clientCancelled = (): ScribaError =>
  new ScribaError("CANCELLED", "the client cancelled the call");

export const deadlineExceeded = (): ScribaError =>
  new ScribaError("DEADLINE_EXCEEDED", "the call's deadline passed");
