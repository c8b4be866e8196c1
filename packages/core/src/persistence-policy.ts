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
const isAudioMime = (mimeType: string | undefined) => mediaTypeOf(mimeType).startsWith('audio/');
/** Audio, still images and video: raw media is never stored inline in a session (rule 2). */
const isMediaMime = (mimeType: string | undefined) => /^(audio|image|video)\//.test(mediaTypeOf(mimeType));
const isRawMedia = (p: Part) => p.inlineData !== undefined && isMediaMime(p.inlineData.mimeType);
const isAudioFile = (p: Part) => p.fileData !== undefined && isAudioMime(p.fileData.mimeType);
const isTool = (p: Part) => p.functionCall !== undefined || p.functionResponse !== undefined;
const nonEmpty = (o: Record<string, unknown> | undefined) => o !== undefined && Object.keys(o).length > 0;

/**
 * The default live persistence policy (DESIGN.md, "The persistence policy"): the first
 * matching rule wins. Pure: depends only on the event and `runConfig.saveLiveAudio`.
 */
export function classifyLiveEvent(
  event: Event,
  runConfig: Pick<RunConfig, 'saveLiveAudio'>,
): PersistenceDecision {
  const parts = event.content?.parts ?? [];
  if (event.partial === true) return { persist: false, rule: 'partial' };
  if (parts.some(isRawMedia)) return { persist: false, rule: 'raw-media' };
  if (parts.some(isAudioFile)) return { persist: runConfig.saveLiveAudio === true, rule: 'audio-file' };
  if (parts.some(isTool)) return { persist: true, rule: 'tool' };
  if (event.inputTranscription || event.outputTranscription) return { persist: true, rule: 'transcription' };
  if (event.usageMetadata) return { persist: true, rule: 'usage' };
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
    return { persist: true, rule: 'control' };
  }
  if (event.liveSessionResumptionUpdate && parts.length === 0) return { persist: false, rule: 'resumption' };
  if (parts.length > 0) return { persist: true, rule: 'content' };
  return { persist: true, rule: 'other' };
}

export function shouldPersist(event: Event, runConfig: Pick<RunConfig, 'saveLiveAudio'>): boolean {
  return classifyLiveEvent(event, runConfig).persist;
}
