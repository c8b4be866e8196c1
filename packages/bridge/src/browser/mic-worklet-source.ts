/**
 * The microphone AudioWorklet processor, as source text: loaded through a Blob URL so the
 * package needs no separate file served. It resamples the device rate to `targetRate` (a box
 * filter over each output sample's input window: cheap anti-aliasing for speech), converts to
 * PCM16, and posts one frame of `frameSamples` samples at a time with its RMS and peak level.
 * Messages in: 'flush' (post the partial frame, then {type:'flushed', id}), 'reset'.
 */
export const MIC_PROCESSOR_NAME = 'earshot-mic-capture';

export const MIC_WORKLET_SOURCE = `
class EarshotMicCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.ratio = sampleRate / o.targetRate;
    this.frame = new Int16Array(o.frameSamples);
    this.filled = 0;
    this.acc = 0;
    this.count = 0;
    this.phase = 0;
    this.sumSquares = 0;
    this.peak = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m && m.type === 'flush') { this.post(); this.port.postMessage({ type: 'flushed', id: m.id }); }
      else if (m && m.type === 'reset') { this.filled = 0; this.sumSquares = 0; this.peak = 0; }
    };
  }
  post() {
    if (this.filled === 0) return;
    const pcm = this.frame.slice(0, this.filled);
    const rms = Math.sqrt(this.sumSquares / this.filled);
    this.port.postMessage({ type: 'frame', pcm: pcm.buffer, rms, peak: this.peak }, [pcm.buffer]);
    this.filled = 0;
    this.sumSquares = 0;
    this.peak = 0;
  }
  emit(v) {
    const s = v > 1 ? 1 : v < -1 ? -1 : v;
    const a = s < 0 ? -s : s;
    this.sumSquares += s * s;
    if (a > this.peak) this.peak = a;
    this.frame[this.filled++] = s < 0 ? s * 32768 : s * 32767;
    if (this.filled === this.frame.length) this.post();
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    const ratio = this.ratio;
    for (let i = 0; i < channel.length; i++) {
      const x = channel[i];
      this.acc += x;
      this.count++;
      this.phase += 1;
      while (this.phase >= ratio) {
        this.phase -= ratio;
        this.emit(this.count > 0 ? this.acc / this.count : x);
        this.acc = 0;
        this.count = 0;
      }
    }
    return true;
  }
}
registerProcessor('${MIC_PROCESSOR_NAME}', EarshotMicCapture);
`;
