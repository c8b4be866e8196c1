export {
  AudioAggregator,
  type AudioAggregatorStats,
  createAudioAggregator,
  MAX_POOLED_BUFFER_BYTES,
} from './aggregator.js';
export { expectedBase64Bytes } from './base64.js';
export {
  type AudioMimeType,
  DEFAULT_INPUT_SAMPLE_RATE,
  DEFAULT_OUTPUT_SAMPLE_RATE,
  extensionForSubtype,
  formatMimeType,
  MAX_CHANNELS,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  type ParseAudioMimeTypeOptions,
  parseAudioMimeType,
  pcmMimeType,
} from './mime.js';
export { MIXDOWN_JITTER_MS } from './mixdown.js';
export {
  type AudioAggregatorOptions,
  DEFAULT_MAX_MIXDOWN_MS,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_SEGMENT_BYTES,
  DEFAULT_MAX_SEGMENT_MS,
  MAX_STORED_FILE_BYTES,
  type MixdownOptions,
} from './options.js';
export { AudioErrorCode, type RecordingKind } from './recording-events.js';
export { type ResampleIntoRequest, resampleLinearInto } from './resample.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry.js';
export type { SegmentCloseReason } from './segment.js';
export { AUDIO_TELEMETRY_NAMES, type AudioTelemetryOptions } from './telemetry.js';
export { type ArtifactReference, artifactUri, parseArtifactUri } from './uri.js';
export {
  encodeWav,
  type ParsedWav,
  parseWav,
  WAV_HEADER_BYTES,
  WAVE_FORMAT_PCM,
  type WavFormat,
  type WriteWavHeaderRequest,
  writeWavHeader,
} from './wav.js';
