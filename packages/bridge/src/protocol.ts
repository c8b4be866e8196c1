/**
 * The bridge wire protocol, shared by the server and the browser client. No Node imports: the
 * browser entry bundles this file. Every name here is documented in README.md ("Protocol v1").
 */
import type { Content, Event, Part } from '@earshot/core';

/** Version of the wire protocol; sent in the first frame down. Bumped on any breaking change. */
export const BRIDGE_PROTOCOL = 1;

/** What binary frames carry up (microphone) and down (model speech). */
export const INPUT_AUDIO_MIME_TYPE = 'audio/pcm;rate=16000';
export const INPUT_SAMPLE_RATE = 16_000;
export const OUTPUT_SAMPLE_RATE = 24_000;
export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png'] as const;
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];

/** `inlineData` on the wire: the bytes are never sent as JSON, only what they were. */
export interface WireInlineData {
  mimeType?: string;
  displayName?: string;
  /** Size of the decoded payload the server removed. */
  byteLength: number;
}
export type WirePart = Omit<Part, 'inlineData'> & { inlineData?: WireInlineData };
export type WireContent = Omit<Content, 'parts'> & { parts?: WirePart[] };
/** A core `Event` with every `inlineData.data` removed (mimeType and byteLength kept). */
export type WireEvent = Omit<Event, 'content'> & { content?: WireContent };

// ---- client → server (text frames; binary frames are PCM16LE mono 16 kHz) ----

export interface ActivityStartFrame {
  type: 'activityStart';
}
export interface ActivityEndFrame {
  type: 'activityEnd';
}
export interface TextFrame {
  type: 'text';
  text: string;
}
export interface ImageFrame {
  type: 'image';
  mimeType: ImageMimeType;
  /** Standard base64 of the image bytes. */
  data: string;
}
export type ClientFrame = ActivityStartFrame | ActivityEndFrame | TextFrame | ImageFrame;

// ---- server → client (text frames; binary frames are the model's PCM16LE mono 24 kHz) ----

export interface SessionFrame {
  type: 'session';
  protocol: number;
  userId: string;
  sessionId: string;
  /** True when this connection created the session (it did not exist for this user). */
  created: boolean;
}
export interface HistoryFrame {
  type: 'history';
  /** The session's last persisted events, oldest first. */
  events: WireEvent[];
  /** True when older events exist that were left out (count or byte limit). */
  truncated: boolean;
}
export interface EventFrame {
  type: 'event';
  event: WireEvent;
  /** The persistence rule that matched (`runner.persistencePolicy`). */
  rule: string;
  /** Whether the runner stored the event in the session. */
  persisted: boolean;
}
export interface ErrorFrame {
  type: 'error';
  code: BridgeErrorCode;
  message: string;
  /** True when the server closes the socket right after this frame. */
  fatal: boolean;
}
export type ServerFrame = SessionFrame | HistoryFrame | EventFrame | ErrorFrame;

/** The `code` of an error frame. */
export const BRIDGE_ERROR_CODES = {
  /** A text frame that is not a JSON object. Non-fatal: the frame is ignored. */
  badJson: 'bad_json',
  /** A JSON frame whose `type` is not one of the client frame types. Non-fatal. */
  unknownType: 'unknown_type',
  /** A frame of a known type with a missing or wrong field (or over a size limit). Non-fatal. */
  invalidArgument: 'invalid_argument',
  /** The runner refused an image frame (this runner takes no `image/*` input). Non-fatal. */
  imageRefused: 'image_refused',
  /** Input arrived after the conversation's input side was closed. Non-fatal. */
  closed: 'closed',
  /** The live run failed; fatal (the socket closes with 1011). */
  runFailed: 'run_failed',
} as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[keyof typeof BRIDGE_ERROR_CODES];

/** WebSocket close codes the server uses (README: "Close codes"). */
export const BRIDGE_CLOSE_CODES = {
  /** The live run ended (the model side finished). */
  normal: 1000,
  /** The server is shutting down (`bridge.close()`); reconnecting later may work. */
  goingAway: 1001,
  /** A text frame was not valid UTF-8 (closed by `ws`). */
  invalidUtf8: 1007,
  /** A frame was larger than `limits.maxFrameBytes` (closed by `ws`). */
  frameTooLarge: 1009,
  /** The live run failed (an `error` frame with `run_failed` precedes it). */
  runFailed: 1011,
  /** The `session` query parameter is not a valid session id. */
  invalidSession: 4000,
  /** No frame from the client for `limits.idleTimeoutMs`. */
  idle: 4001,
  /** More than `limits.messagesPerSecond` / `limits.bytesPerSecond` (bursts allowed). */
  rateLimited: 4002,
  /** The client read too slowly: `limits.maxBufferedBytes` still exceeded after dropping model audio. */
  slowConsumer: 4003,
  /** More input queued toward the model than `limits.maxPendingInput` (the model is not keeping up). */
  inputBacklog: 4004,
  /** The user already has `limits.maxConnectionsPerUser` open sockets. */
  tooManyConnections: 4005,
  /** The same user opened this session on another socket; the newest wins. Do not reconnect. */
  replaced: 4006,
} as const;
export type BridgeCloseCode = (typeof BRIDGE_CLOSE_CODES)[keyof typeof BRIDGE_CLOSE_CODES];

/** Close codes after which a client must not reconnect on its own (it would fail the same way). */
export const NO_RECONNECT_CLOSE_CODES: readonly number[] = [
  BRIDGE_CLOSE_CODES.normal,
  BRIDGE_CLOSE_CODES.invalidUtf8,
  BRIDGE_CLOSE_CODES.frameTooLarge,
  BRIDGE_CLOSE_CODES.invalidSession,
  BRIDGE_CLOSE_CODES.idle,
  BRIDGE_CLOSE_CODES.rateLimited,
  BRIDGE_CLOSE_CODES.tooManyConnections,
  BRIDGE_CLOSE_CODES.replaced,
];
