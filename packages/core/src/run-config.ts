import type {
  AudioTranscriptionConfig,
  ContextWindowCompressionConfig,
  Modality,
  ProactivityConfig,
  RealtimeInputConfig,
  SessionResumptionConfig,
  SpeechConfig,
} from '@google/genai';

// core uses only @google/genai's types (DESIGN.md): the enum's wire value, not its runtime object.
const AUDIO = 'AUDIO' as Modality.AUDIO;

/** Per-run settings of a live run (`runner.runLive({runConfig})`). */
export interface RunConfig {
  responseModalities: Modality[];
  speechConfig?: SpeechConfig;
  inputAudioTranscription?: AudioTranscriptionConfig;
  outputAudioTranscription?: AudioTranscriptionConfig;
  realtimeInputConfig?: RealtimeInputConfig;
  /** Set (even to `{}`) to resume the Gemini session from the handle saved in session state. */
  sessionResumption?: SessionResumptionConfig;
  contextWindowCompression?: ContextWindowCompressionConfig;
  proactivity?: ProactivityConfig;
  enableAffectiveDialog?: boolean;
  /** Record input and output audio through the runner's `audioRecorder` and persist the references. */
  saveLiveAudio: boolean;
  /** Merged into every event the run yields (the event's own keys win). */
  customMetadata?: Record<string, unknown>;
}

/**
 * A complete `RunConfig` from a partial one: audio responses by default, recording off.
 * Always returns a new object; the caller's is never mutated (nested objects are copied too,
 * because the Gemini SDK mutates the config it is given).
 */
export function createRunConfig(init: Partial<RunConfig> = {}): RunConfig {
  // Defaults assigned onto the copy, not spread into a new object: V8 gives each spread-plus-fields
  // object a hidden class of its own, and a run keeps its config for its whole life.
  const config = structuredClone(init) as Partial<RunConfig>;
  config.responseModalities ??= [AUDIO];
  config.saveLiveAudio ??= false;
  return config as RunConfig;
}
