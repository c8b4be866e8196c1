import type { Part } from '@google/genai';
import type { Event } from './events.js';
import type { RunConfig } from './run-config.js';

export type PersistenceRule =
  | 'partial'
  | 'raw-media'
  | 'audio-file'
  | 'tool'
  | 'transcription'
  | 'usage'
  | 'control'
  | 'resumption'
  | 'content'
  | 'other';

export interface PersistenceDecision {
  persist: boolean;
  rule: PersistenceRule;
}

/** Decides whether a live event is appended to the session. Every event is yielded either way. */
export type PersistencePolicy = (
  event: Event,
  runConfig: Pick<RunConfig, 'saveLiveAudio'>,
) => PersistenceDecision;

const mediaTypeOf = (mimeType: string | undefined) => mimeType?.trim().toLowerCase() ?? '';
// Model audio (every 40 ms) says `audio/pcm;rate=24000`: matched as is, without a lowered copy.
const isAudioMime = (mimeType: string | undefined) =>
  mimeType?.startsWith('audio/') === true || mediaTypeOf(mimeType).startsWith('audio/');
/** Audio, still images and video: raw media is never stored inline in a session (rule 2). */
const isMediaMime = (mimeType: string | undefined) =>
  mimeType?.startsWith('audio/') === true || /^(audio|image|video)\//.test(mediaTypeOf(mimeType));
const isRawMedia = (p: Part) => p.inlineData !== undefined && isMediaMime(p.inlineData.mimeType);
const isAudioFile = (p: Part) => p.fileData !== undefined && isAudioMime(p.fileData.mimeType);
const isTool = (p: Part) => p.functionCall !== undefined || p.functionResponse !== undefined;
function nonEmpty(o: Record<string, unknown> | undefined): boolean {
  if (o !== undefined) for (const key in o) if (Object.hasOwn(o, key)) return true;
  return false;
}

/** One frozen decision per outcome: the policy runs on every event and allocates none. */
const decision = (persist: boolean, rule: PersistenceRule): PersistenceDecision =>
  Object.freeze({ persist, rule });
const PARTIAL = decision(false, 'partial');
const RAW_MEDIA = decision(false, 'raw-media');
const AUDIO_FILE_KEPT = decision(true, 'audio-file');
const AUDIO_FILE_DROPPED = decision(false, 'audio-file');
const TOOL = decision(true, 'tool');
const TRANSCRIPTION = decision(true, 'transcription');
const USAGE = decision(true, 'usage');
const CONTROL = decision(true, 'control');
const RESUMPTION = decision(false, 'resumption');
const CONTENT = decision(true, 'content');
const OTHER = decision(true, 'other');
const NO_PARTS: Part[] = [];

/**
 * The default live persistence policy (DESIGN.md, "The persistence policy"): the first
 * matching rule wins. Pure: depends only on the event and `runConfig.saveLiveAudio`.
 */
export function classifyLiveEvent(
  event: Event,
  runConfig: Pick<RunConfig, 'saveLiveAudio'>,
): PersistenceDecision {
  const parts = event.content?.parts ?? NO_PARTS;
  if (event.partial === true) return PARTIAL;
  if (parts.some(isRawMedia)) return RAW_MEDIA;
  if (parts.some(isAudioFile)) return runConfig.saveLiveAudio === true ? AUDIO_FILE_KEPT : AUDIO_FILE_DROPPED;
  if (parts.some(isTool)) return TOOL;
  if (event.inputTranscription || event.outputTranscription) return TRANSCRIPTION;
  if (event.usageMetadata) return USAGE;
  if (
    event.turnComplete ||
    event.interrupted ||
    event.generationComplete ||
    event.errorCode !== undefined ||
    event.errorMessage !== undefined ||
    event.actions.transferToAgent !== undefined ||
    event.actions.escalate === true ||
    nonEmpty(event.actions.stateDelta)
  ) {
    return CONTROL;
  }
  if (event.liveSessionResumptionUpdate && parts.length === 0) return RESUMPTION;
  if (parts.length > 0) return CONTENT;
  return OTHER;
}

export function shouldPersist(event: Event, runConfig: Pick<RunConfig, 'saveLiveAudio'>): boolean {
  return classifyLiveEvent(event, runConfig).persist;
}
