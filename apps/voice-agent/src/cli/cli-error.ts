/** Why the CLI stopped: `usage` (exit 2) for a bad command line, the others (exit 1) for the machine. */
export type CliErrorCode = 'usage' | 'port' | 'redis' | 's3' | 'startup';

/** A failure the CLI reports as one line (its message) and a non-zero exit code, never a stack trace. */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'CliError';
  }

  get exitCode(): number {
    return this.code === 'usage' ? 2 : 1;
  }
}
