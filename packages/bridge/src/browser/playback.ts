import { OUTPUT_SAMPLE_RATE } from '../protocol.js';

/** Scheduling cushion when playback starts from silence, against network jitter. */
const START_LEAD_S = 0.04;

/**
 * Gap-free playback of the model's PCM16LE mono 24 kHz chunks: each chunk starts exactly where
 * the previous one ends on the AudioContext clock. `stop()` silences everything at once.
 */
export class Playback {
  private readonly sources = new Set<AudioBufferSourceNode>();
  private nextStart = 0;
  /** An odd trailing byte from the last chunk (a sample split across frames). */
  private carry: number | undefined;

  constructor(
    private readonly context: AudioContext,
    private readonly onChange: (playing: boolean, queuedMs: number) => void,
  ) {}

  get queuedMs(): number {
    return Math.max(0, (this.nextStart - this.context.currentTime) * 1000);
  }

  get playing(): boolean {
    return this.sources.size > 0;
  }

  enqueue(chunk: ArrayBuffer): void {
    const samples = this.samplesOf(new Uint8Array(chunk));
    if (samples.length === 0) return;
    const buffer = this.context.createBuffer(1, samples.length, OUTPUT_SAMPLE_RATE);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i]! / 32768;
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    if (this.nextStart < now) this.nextStart = now + START_LEAD_S;
    source.start(this.nextStart);
    this.nextStart += buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      if (this.sources.size === 0) this.onChange(false, 0);
    };
    this.onChange(true, this.queuedMs);
  }

  /** Stops every scheduled chunk now (barge-in). */
  stop(): void {
    const wasPlaying = this.sources.size > 0;
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // Already stopped.
      }
      source.disconnect();
    }
    this.sources.clear();
    this.nextStart = 0;
    this.carry = undefined;
    if (wasPlaying) this.onChange(false, 0);
  }

  private samplesOf(bytes: Uint8Array): Int16Array {
    let view = bytes;
    if (this.carry !== undefined) {
      view = new Uint8Array(bytes.length + 1);
      view[0] = this.carry;
      view.set(bytes, 1);
      this.carry = undefined;
    }
    if (view.length % 2 === 1) {
      this.carry = view[view.length - 1];
      view = view.subarray(0, view.length - 1);
    }
    // Int16Array needs an even offset; a fresh ArrayBuffer from the socket starts at 0.
    if (view.byteOffset % 2 === 0) return new Int16Array(view.buffer, view.byteOffset, view.length / 2);
    return new Int16Array(view.slice().buffer);
  }
}
