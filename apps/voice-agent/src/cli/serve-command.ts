import { LIVE_RUN_CONFIG } from '../live-run-config.js';
import { type ConsoleServer, startConsoleServer } from '../server/console-server.js';
import type { Stack, StackOptions } from '../stack.js';
import { CliError } from './cli-error.js';
import type { ServeFlags } from './flags.js';
import { startCheckedStack } from './start-stack.js';

const LISTEN_REASONS: Record<string, (where: string) => string> = {
  EADDRINUSE: (where) => `${where} is already in use (EADDRINUSE): pick another --port`,
  EACCES: (where) => `${where} needs privileges (EACCES): pick a --port above 1023`,
  EADDRNOTAVAIL: (where) => `${where}: the address is not on this machine (EADDRNOTAVAIL)`,
  ENOTFOUND: (where) => `${where}: host not found (ENOTFOUND)`,
  EAI_AGAIN: (where) => `${where}: host name lookup failed (EAI_AGAIN)`,
};

export interface RunningConsole {
  stack: Stack;
  app: ConsoleServer;
  stop(): Promise<void>;
}

/** `serve`: checks the stores, listens, prints the URL with the token. */
export async function serve(
  stackOptions: StackOptions,
  flags: ServeFlags,
  version: string,
  print: (line: string) => void,
): Promise<RunningConsole> {
  const stack = await startCheckedStack(stackOptions);
  let app: ConsoleServer;
  try {
    app = await startConsoleServer({
      runner: stack.runner,
      sessionService: stack.sessionService,
      artifactService: stack.artifactService,
      info: { model: stack.modelDescription, offline: stack.offline, stores: stack.stores, version },
      token: flags.token,
      port: flags.port,
      host: flags.host,
      runConfig: LIVE_RUN_CONFIG,
      log: (line) => console.error(`[earshot] ${new Date().toISOString()} ${line}`),
    });
  } catch (error) {
    await stack.close().catch(() => {});
    const code = (error as { code?: string }).code ?? '';
    const reason = LISTEN_REASONS[code];
    const where = `port ${flags.port} on ${flags.host}`;
    if (reason) throw new CliError('port', reason(where), { cause: error });
    throw new CliError('startup', `could not serve on ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  print(`model: ${stack.modelDescription}`);
  print(`sessions: ${stack.stores.sessions}; recordings: ${stack.stores.artifacts}`);
  print(`open ${app.url}`);
  print('(Ctrl+C to stop)');
  return {
    stack,
    app,
    async stop() {
      await app.close();
      await stack.close();
    },
  };
}
