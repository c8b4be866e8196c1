export { createVoiceAgent, DEFAULT_MODEL, getTimeTool } from './agent.js';
export { CliError, type CliErrorCode } from './cli/cli-error.js';
export { type CliCommand, parseCommandLine } from './cli/flags.js';
export { checkRedis, checkS3, STORE_CHECK_TIMEOUT_MS } from './cli/store-checks.js';
export type { ConsoleInfo, SessionDetail, SessionList, SessionSummary } from './console-api.js';
export { type DemoOptions, type DemoResult, describeEvent, runDemo } from './demo.js';
export { LIVE_RUN_CONFIG } from './live-run-config.js';
export {
  attachScriptedModel,
  SCRIPTED_TRANSCRIPT,
  type ScriptedModelOptions,
} from './model/scripted-model.js';
export { MAX_LISTED_SESSIONS, MAX_SERVED_ARTIFACT_BYTES } from './server/api-routes.js';
export {
  type ConsoleServer,
  type ConsoleServerOptions,
  DEFAULT_CONSOLE_USER,
  startConsoleServer,
} from './server/console-server.js';
export { APP_NAME, createStack, type S3Options, type Stack, type StackOptions } from './stack.js';
