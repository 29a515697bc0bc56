/**
 * @module store/postgres/__fixtures__/in-flight
 *
 * Race tests start a call, stage the race while it waits, and only then look
 * at its outcome. If the call fails before the test looks, Node would report
 * an unhandled rejection; `inFlight` marks the promise as handled at once and
 * returns it unchanged, so the test still sees the rejection when it awaits.
 */
export function inFlight<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
