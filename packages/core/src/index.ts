/** The `@google/genai` types Earshot's contracts are built on, re-exported for convenience. */
export type {
  Blob,
  Content,
  FunctionCall,
  FunctionResponse,
  Part,
  Transcription,
  UsageMetadata,
} from '@google/genai';
export type {
  AudioDirection,
  AudioFlushReason,
  AudioRecorder,
  AudioRecordingScope,
} from './audio-recorder.js';
export { NO_RECORDING_EVENTS } from './audio-recorder.js';
export {
  AlreadyExistsError,
  ClosedError,
  ConcurrencyError,
  EarshotError,
  type EarshotErrorCode,
  InvalidArgumentError,
  LiveConnectionError,
  LiveProtocolError,
  NotFoundError,
  PluginError,
  SlowConsumerError,
  StorageError,
} from './errors.js';
export { randomEventId } from './event-id.js';
export {
  createEvent,
  createEventActions,
  type Event,
  type EventActions,
  type EventInit,
  hasToolParts,
  newInvocationId,
} from './events.js';
export {
  classifyLiveEvent,
  type PersistenceDecision,
  type PersistencePolicy,
  type PersistenceRule,
  shouldPersist,
} from './persistence-policy.js';
export { createRunConfig, type RunConfig } from './run-config.js';
export {
  decodeArtifactKeysPageToken,
  decodeVersionsPageToken,
  describeArtifactPart,
  encodeArtifactKeysPageToken,
  encodeVersionsPageToken,
  MAX_CUSTOM_METADATA_BYTES,
  TEXT_ARTIFACT_MIME_TYPE,
  validateCustomMetadata,
} from './services/artifact-listing.js';
export type {
  ArtifactRequest,
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  ListArtifactKeysPage,
  ListArtifactVersionsPage,
  ListVersionsPage,
  LoadArtifactRequest,
  SaveArtifactRequest,
} from './services/artifact-service.js';
export { InMemoryArtifactService } from './services/in-memory-artifact-service.js';
export { InMemorySessionService } from './services/in-memory-session-service.js';
export {
  compareCodePoints,
  DEFAULT_PAGE_SIZE,
  decodePageToken,
  encodePageToken,
  MAX_PAGE_SIZE,
  MAX_PAGE_TOKEN_LENGTH,
  type PageRequest,
  type ValidPageRequest,
  validatePageRequest,
} from './services/paging.js';
export {
  validateAppendRequest,
  validateArtifactRequest,
  validateArtifactScope,
  validateEvent,
  validateGetSessionConfig,
  validateSaveArtifactRequest,
  validateSessionKey,
  validateState,
  validateUserKey,
} from './services/request-validation.js';
export {
  compareListedSessions,
  decodeSessionPageToken,
  encodeSessionPageToken,
  type SessionCursor,
} from './services/session-listing.js';
export type {
  AppendEventRequest,
  CreateSessionRequest,
  GetSessionConfig,
  GetSessionRequest,
  ListSessionsRequest,
  ListSessionsResponse,
  SessionKey,
  SessionService,
} from './services/session-service.js';
export type { Session } from './session.js';
export {
  applyStateDelta,
  LIVE_RESUMPTION_HANDLE_KEY,
  type ScopedStateDelta,
  STATE_PREFIX,
  type StateScope,
  splitStateDelta,
  stateScopeOf,
  withoutTempKeys,
} from './state.js';
export {
  instrumentStorage,
  type SpanLike,
  type StorageInstruments,
  type TelemetryAttributes,
  type TracerLike,
} from './telemetry/instrument-storage.js';
export {
  isUserScopedFilename,
  MAX_FILENAME_BYTES,
  MAX_ID_BYTES,
  USER_SCOPED_FILENAME_PREFIX,
  validateFilename,
  validateFiniteNumber,
  validateId,
  validateNonNegativeInteger,
} from './validation.js';
