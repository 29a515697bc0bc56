/**
 * @module cli/command
 *
 * The shape of one `scriba` subcommand. Commands get their arguments and an IO
 * object instead of touching process globals, so tests can run them in-process.
 */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM; long-running commands shut down when it fires. */
  readonly signal: AbortSignal;
}

export interface Command {
  readonly name: string;
  /** One line for `scriba --help`. */
  readonly summary: string;
  /** Full help for `scriba <name> --help`. */
  help(): string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** Exit codes shared by all commands. */
export const exitCodes = {
  ok: 0,
  /** A check failed or something was denied (`scriba check`, `scriba verify`). */
  failed: 1,
  /** The command line or configuration was wrong. */
  usage: 2,
} as const;

/** Resolves when the command is asked to stop (SIGINT/SIGTERM): long-running commands await it. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
