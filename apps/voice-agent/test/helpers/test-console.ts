import {
  type ConsoleServer,
  createStack,
  LIVE_RUN_CONFIG,
  type Stack,
  type StackOptions,
  startConsoleServer,
} from '../../src/index.js';

/** A stack (offline model unless told otherwise) and the console served on it, on a free port. */
export async function startTestConsole(options: {
  token: string;
  log?: (line: string) => void;
  stack?: StackOptions;
}): Promise<{ stack: Stack; app: ConsoleServer; close(): Promise<void> }> {
  const stack = await createStack(options.stack ?? {});
  const app = await startConsoleServer({
    runner: stack.runner,
    sessionService: stack.sessionService,
    artifactService: stack.artifactService,
    info: { model: stack.modelDescription, offline: stack.offline, stores: stack.stores, version: 'test' },
    token: options.token,
    runConfig: LIVE_RUN_CONFIG,
    log: options.log ?? (() => {}),
  });
  return {
    stack,
    app,
    async close() {
      await app.close();
      await stack.close();
    },
  };
}
