import { ConfigError } from '../config/env.ts';
import { RastroError } from '../core/errors.ts';
import { DataFolderInUseError } from '../db/folder-lock.ts';

/** An error a person can act on (a bad argument, what a running server refused): one line, no stack. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The running server's API refused a request (the CLI beside a server): its status and its own message. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The one line that explains an expected error, or undefined for an unexpected one (a bug), which
 * keeps its stack for whoever reports it.
 */
export function explainError(error: unknown): string | undefined {
  if (error instanceof ConfigError) return `invalid configuration: ${error.message}`;
  if (error instanceof ApiError && error.status >= 500) return `the server failed (${error.status}): ${error.message}`;
  if (error instanceof CliError || error instanceof DataFolderInUseError) return error.message;
  // A RastroError below 500 is the answer to the input (not found, conflict, invalid); a 500 is a bug.
  if (error instanceof RastroError && error.statusCode < 500) return error.message;
  return undefined;
}
