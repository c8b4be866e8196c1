export interface ResampleIntoRequest {
  /** Interleaved signed 16-bit little-endian PCM. */
  source: Uint8Array;
  sourceStartFrame: number;
  sourceFrameCount: number;
  sourceChannels: number;
  sourceRate: number;
  /** Interleaved signed 16-bit little-endian PCM, written in place. */
  target: Uint8Array;
  /** Byte offset of frame 0 in `target` (e.g. past a WAV header). */
  targetDataOffset: number;
  targetChannels: number;
  /** Channel of `target` to write; the others are left alone. */
  targetChannel: number;
  targetRate: number;
  targetStartFrame: number;
  /** First target frame not to write (exclusive): a cut, or the end of the buffer. */
  targetEndFrame: number;
}

/**
 * Converts a run of PCM frames to another rate by linear interpolation between the two nearest
 * source samples, downmixing multi-channel sources to their mean, and writes it into one channel
 * of an interleaved target. Linear interpolation is cheap and good enough for a listening copy
 * of speech; it is not band-limited, so downsampling can alias. Returns the frames written.
 */
export function resampleLinearInto(request: ResampleIntoRequest): number {
  const { source, sourceStartFrame, sourceFrameCount: n, sourceChannels, sourceRate } = request;
  const { target, targetDataOffset, targetChannels, targetChannel, targetRate } = request;
  if (n <= 0) return 0;
  const src = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const dst = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const sourceFrameBytes = sourceChannels * 2;
  const frameAt = (i: number): number => {
    let offset = (sourceStartFrame + (i < n ? i : n - 1)) * sourceFrameBytes;
    if (sourceChannels === 1) return src.getInt16(offset, true);
    let sum = 0;
    for (let c = 0; c < sourceChannels; c++, offset += 2) sum += src.getInt16(offset, true);
    return sum / sourceChannels;
  };
  const step = sourceRate / targetRate;
  const outFrames = Math.round((n * targetRate) / sourceRate);
  const first = Math.max(0, -request.targetStartFrame);
  const last = Math.min(outFrames, request.targetEndFrame - request.targetStartFrame);
  for (let j = first; j < last; j++) {
    const position = j * step;
    const i = Math.floor(position);
    const a = frameAt(i);
    const fraction = position - i;
    const value = fraction === 0 ? a : a + (frameAt(i + 1) - a) * fraction;
    const sample = Math.max(-32768, Math.min(32767, Math.round(value)));
    const frame = request.targetStartFrame + j;
    dst.setInt16(targetDataOffset + (frame * targetChannels + targetChannel) * 2, sample, true);
  }
  return Math.max(0, last - first);
}
