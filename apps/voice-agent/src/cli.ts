#!/usr/bin/env node
import packageJson from '../package.json' with { type: 'json' };
import { CliError } from './cli/cli-error.js';
import { parseCommandLine } from './cli/flags.js';
import { USAGE } from './cli/usage.js';

/** Hard limit on a clean shutdown after Ctrl+C: a second one, or this, exits at once. */
const SHUTDOWN_TIMEOUT_MS = 8_000;

async function main(argv: string[]): Promise<void> {
  // The AWS SDK prints a multi-line notice about Node 20 on its first client; the CLI's output
  // stays one line per problem (set the variable to "false" to see the notice).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const parsed = parseCommandLine(argv);
  if (parsed.command === 'help') return void console.log(USAGE);
  if (parsed.command === 'version') return void console.log(packageJson.version);
  // The OpenTelemetry SDK is registered before the stack exists (its instruments are made then).
  const stopOtel = parsed.otel ? (await import('./cli/otel.js')).startOtel(parsed.otel) : async () => {};
  // The stack (SDKs for Gemini, Redis, S3) loads only now: a bad command line fails at once.
  if (parsed.command === 'demo') {
    const [{ startCheckedStack }, { runDemo }] = await Promise.all([
      import('./cli/start-stack.js'),
      import('./demo.js'),
    ]);
    const stack = await startCheckedStack(parsed.stack);
    try {
      await runDemo({ ...parsed.demo, stack });
    } finally {
      await stopOtel();
    }
    return;
  }
  const { serve } = await import('./cli/serve-command.js');
  const running = await serve(parsed.stack, parsed.serve, packageJson.version, (line) => console.log(line));
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    running.stop().then(
      () => stopOtel().then(() => process.exit(0)),
      (error: unknown) => {
        console.error(`stopping failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const line = error instanceof CliError ? error.message : `error: ${(error as Error)?.message ?? error}`;
  console.error(`earshot-voice-agent: ${line.split('\n')[0]}`);
  // Exit now: a store client still retrying in the background must not keep the process alive.
  process.exit(error instanceof CliError ? error.exitCode : 1);
});
