export { LIVE_AGENT_KEY, TRANSFER_TOOL_NAME } from './agents/agent-tree.js';
export { LlmAgent, type LlmAgentOptions } from './agents/llm-agent.js';
export { RESUMPTION_HANDLE_REJECTED, SESSION_CONTEXT_UNAVAILABLE } from './connection/first-connection.js';
export { GeminiLiveModel, type GeminiLiveModelOptions } from './connection/gemini-live-model.js';
export type {
  LiveCloseInfo,
  LiveConnection,
  LiveConnectionListener,
  LiveConnectRequest,
  LiveModel,
  LiveModelMessage,
  LiveRealtimeInput,
} from './connection/live-model.js';
export { DEFAULT_RECONNECT, type ReconnectOptions } from './connection/reconnect-policy.js';
export { DEFAULT_TRANSCRIPT_LIMITS, type TranscriptLimits } from './continuity/bounded-transcript.js';
export { LIVE_INPUT_UNCONFIRMED } from './continuity/input-continuity.js';
export { DEFAULT_INPUT_REPLAY, type InputReplayOptions } from './continuity/input-ledger.js';
export { IMAGE_MIME_TYPES } from './input/live-input-validation.js';
export { type LiveRequest, LiveRequestQueue } from './input/live-request-queue.js';
export {
  DEFAULT_PLUGIN_END_TIMEOUT_MS,
  DEFAULT_PLUGIN_QUEUE_LIMIT,
  PLUGIN_ERROR,
} from './plugins/plugin-host.js';
export { HOOK_METADATA_KEY, PLUGIN_METADATA_KEY } from './plugins/run-observers.js';
export type {
  AfterToolCallback,
  BeforeToolCallback,
  PluginConnectionInfo,
  PluginRunInfo,
  RunnerPlugin,
  ToolCallInfo,
  ToolResponse,
} from './plugins/runner-plugin.js';
export { TRUNCATED_METADATA_KEY } from './run/message-mapper.js';
export {
  DEFAULT_STORAGE_OUTAGE,
  STORAGE_DEGRADED,
  STORAGE_RECOVERED,
  StorageOutageError,
  type StorageOutageOptions,
} from './run/storage-outage.js';
export { DEFAULT_MAX_TURN_TEXT_CHARS } from './run/transcription-accumulator.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_EVENTS,
  DEFAULT_RECORDER_FLUSH_TIMEOUT_MS,
  DEFAULT_RESUMPTION_SAVE_DELAY_MS,
  DEFAULT_TOOL_TIMEOUT_MS,
  type RunLiveRequest,
  Runner,
  type RunnerOptions,
} from './runner.js';
export { TELEMETRY_NAMES } from './telemetry/names.js';
export type { TelemetryOptions } from './telemetry/runner-telemetry.js';
export {
  FunctionTool,
  type FunctionToolOptions,
  type ToolBehavior,
  type ToolOutput,
  type ToolScheduling,
} from './tools/function-tool.js';
export type { ToolArtifacts, ToolContext, ToolState } from './tools/tool-context.js';
