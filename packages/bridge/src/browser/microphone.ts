import { INPUT_SAMPLE_RATE } from '../protocol.js';
import { BridgeClientError } from './errors.js';
import { MIC_PROCESSOR_NAME, MIC_WORKLET_SOURCE } from './mic-worklet-source.js';

export interface MicrophoneCallbacks {
  /** One PCM16LE mono 16 kHz frame. */
  frame(pcm: ArrayBuffer): void;
  level(rms: number, peak: number): void;
}

// One module registration per AudioContext.
const registered = new WeakMap<BaseAudioContext, Promise<void>>();

function registerWorklet(context: AudioContext): Promise<void> {
  let done = registered.get(context);
  if (done === undefined) {
    const url = URL.createObjectURL(new Blob([MIC_WORKLET_SOURCE], { type: 'text/javascript' }));
    done = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    registered.set(context, done);
  }
  return done;
}

/** The microphone through an AudioWorklet: 16 kHz PCM16 frames of `frameMs`, with levels. */
export class Microphone {
  private flushes = 0;
  private readonly waitingFlushes = new Map<number, () => void>();

  private constructor(
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly node: AudioWorkletNode,
    private readonly sink: GainNode,
  ) {}

  static async start(
    context: AudioContext,
    frameMs: number,
    constraints: MediaTrackConstraints | undefined,
    callbacks: MicrophoneCallbacks,
  ): Promise<Microphone> {
    if (typeof AudioWorkletNode === 'undefined' || !context.audioWorklet) {
      throw new BridgeClientError('unsupported', 'this browser has no AudioWorklet');
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new BridgeClientError(
        'unsupported',
        'this page cannot use the microphone (no mediaDevices: not a secure context?)',
      );
    }
    await registerWorklet(context);
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        ...constraints,
      },
    });
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, MIC_PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: {
        targetRate: INPUT_SAMPLE_RATE,
        frameSamples: Math.round((INPUT_SAMPLE_RATE * frameMs) / 1000),
      },
    });
    // Connected to the output through a muted gain so the graph pulls the worklet in every browser.
    const sink = context.createGain();
    sink.gain.value = 0;
    source.connect(node);
    node.connect(sink);
    sink.connect(context.destination);
    const mic = new Microphone(stream, source, node, sink);
    node.port.onmessage = (message: MessageEvent) => {
      const data = message.data as {
        type: string;
        pcm?: ArrayBuffer;
        rms?: number;
        peak?: number;
        id?: number;
      };
      if (data.type === 'frame' && data.pcm) {
        callbacks.level(data.rms ?? 0, data.peak ?? 0);
        callbacks.frame(data.pcm);
      } else if (data.type === 'flushed' && data.id !== undefined) {
        mic.waitingFlushes.get(data.id)?.();
        mic.waitingFlushes.delete(data.id);
      }
    };
    return mic;
  }

  /** Resolves once the partial frame the worklet holds was delivered through `frame`. */
  flush(): Promise<void> {
    const id = ++this.flushes;
    return new Promise((resolve) => {
      this.waitingFlushes.set(id, resolve);
      this.node.port.postMessage({ type: 'flush', id });
    });
  }

  /** Forgets the partial frame (audio from before a push-to-talk press). */
  reset(): void {
    this.node.port.postMessage({ type: 'reset' });
  }

  stop(): void {
    for (const resolve of this.waitingFlushes.values()) resolve();
    this.waitingFlushes.clear();
    this.node.port.onmessage = null;
    this.source.disconnect();
    this.node.disconnect();
    this.sink.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
