export { audioBytesOf, clientFrameIs } from './client-frames.js';
export type { FakeDroppedSend } from './fake-live-connection.js';
export { FakeLiveConnection } from './fake-live-connection.js';
export type {
  FakeConnectionHandler,
  FakeLiveServerOptions,
  FakeRejectedUpgrade,
} from './fake-live-server.js';
export { FakeLiveServer } from './fake-live-server.js';
export { type Pcm16ToneOptions, pcm16Tone } from './pcm.js';
export { type FakeFunctionCall, liveServerFrames } from './server-frames.js';
export type { FakeFunctionDeclaration, FakeToolResponse } from './tool-responses.js';
export type {
  FakeCloseInfo,
  FakeConnectionPlan,
  FakeFrameEncoding,
  FakeProtocolError,
  FakeScriptStep,
  FakeWaitOptions,
  LiveClientFrame,
  LiveClientFramePredicate,
  LiveWireBlob,
} from './types.js';
