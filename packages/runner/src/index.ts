export { LIVE_AGENT_KEY, TRANSFER_TOOL_NAME } from './agent-tree.js';
export { DEFAULT_TRANSCRIPT_LIMITS, type TranscriptLimits } from './continuity/bounded-transcript.js';
export { LIVE_INPUT_UNCONFIRMED } from './continuity/input-continuity.js';
export { DEFAULT_INPUT_REPLAY, type InputReplayOptions } from './continuity/input-ledger.js';
export { RESUMPTION_HANDLE_REJECTED, SESSION_CONTEXT_UNAVAILABLE } from './first-connection.js';
export { FunctionTool, type FunctionToolOptions } from './function-tool.js';
export { GeminiLiveModel, type GeminiLiveModelOptions } from './gemini-live-model.js';
export { IMAGE_MIME_TYPES } from './live-input-validation.js';
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
export { TRUNCATED_METADATA_KEY } from './message-mapper.js';
export { DEFAULT_RECONNECT, type ReconnectOptions } from './reconnect-policy.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RECORDER_FLUSH_TIMEOUT_MS,
  DEFAULT_RESUMPTION_SAVE_DELAY_MS,
  DEFAULT_TOOL_TIMEOUT_MS,
  type RunLiveRequest,
  Runner,
  type RunnerOptions,
} from './runner.js';
export type { ToolArtifacts, ToolContext, ToolState } from './tool-context.js';
export { DEFAULT_MAX_TURN_TEXT_CHARS } from './transcription-accumulator.js';
