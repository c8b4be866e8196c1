export { LIVE_AGENT_KEY, TRANSFER_TOOL_NAME } from './agent-tree.js';
export { RESUMPTION_HANDLE_REJECTED } from './first-connection.js';
export { FunctionTool, type FunctionToolOptions } from './function-tool.js';
export { GeminiLiveModel, type GeminiLiveModelOptions } from './gemini-live-model.js';
export type {
  LiveCloseInfo,
  LiveConnection,
  LiveConnectionListener,
  LiveConnectRequest,
  LiveModel,
  LiveModelMessage,
  LiveRealtimeInput,
} from './live-model.js';
export { type LiveRequest, LiveRequestQueue } from './live-request-queue.js';
export { LlmAgent, type LlmAgentOptions } from './llm-agent.js';
export { DEFAULT_RECONNECT, type ReconnectOptions } from './reconnect-policy.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RECORDER_FLUSH_TIMEOUT_MS,
  DEFAULT_TOOL_TIMEOUT_MS,
  type RunLiveRequest,
  Runner,
  type RunnerOptions,
} from './runner.js';
export {
  DEFAULT_STORAGE_OUTAGE,
  STORAGE_DEGRADED,
  STORAGE_RECOVERED,
  StorageOutageError,
  type StorageOutageOptions,
} from './storage-outage.js';
export type { ToolArtifacts, ToolContext, ToolState } from './tool-context.js';
