import {
  type AudioDirection,
  type AudioFlushReason,
  type AudioRecorder,
  type AudioRecordingScope,
  createEvent,
  type Event,
} from '@earshot/core';
import type { Blob } from '@google/genai';

export type RecorderCall =
  | { op: 'record'; direction: AudioDirection; bytes: number }
  | { op: 'flush'; reason: AudioFlushReason };

/**
 * A tiny in-test `AudioRecorder`: keeps bytes per direction, returns one `fileData` event per
 * direction on flush. `hold()` makes every call wait until `release()`, to prove the runner
 * never waits for it on the audio path.
 */
export class TestRecorder implements AudioRecorder {
  readonly calls: RecorderCall[] = [];
  readonly scopes: AudioRecordingScope[] = [];
  readonly flushedBytes: Record<AudioDirection, Buffer[]> = { input: [], output: [] };
  failNextFlush: Error | undefined;
  failNextRecord: Error | undefined;
  private held: Buffer[][] = [[], []];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private count = 0;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async record(scope: AudioRecordingScope, direction: AudioDirection, blob: Blob): Promise<Event[]> {
    const bytes = Buffer.from(blob.data ?? '', 'base64');
    this.calls.push({ op: 'record', direction, bytes: bytes.length });
    this.scopes.push(scope);
    await this.gate;
    if (this.failNextRecord) {
      const error = this.failNextRecord;
      this.failNextRecord = undefined;
      throw error;
    }
    this.held[direction === 'input' ? 0 : 1]?.push(bytes);
    return [];
  }

  async flush(scope: AudioRecordingScope, reason: AudioFlushReason): Promise<Event[]> {
    this.calls.push({ op: 'flush', reason });
    await this.gate;
    if (this.failNextFlush) {
      const error = this.failNextFlush;
      this.failNextFlush = undefined;
      throw error;
    }
    const events: Event[] = [];
    (['input', 'output'] as const).forEach((direction, index) => {
      const chunks = this.held[index] ?? [];
      if (chunks.length === 0) return;
      this.flushedBytes[direction].push(Buffer.concat(chunks));
      this.held[index] = [];
      const filename = `live-audio/${scope.invocationId}/${direction}-${this.count++}.wav`;
      events.push(
        createEvent({
          invocationId: scope.invocationId,
          author: direction === 'input' ? 'user' : scope.agentName,
          content: {
            role: direction === 'input' ? 'user' : 'model',
            parts: [{ fileData: { fileUri: `artifact://${filename}`, mimeType: 'audio/wav' } }],
          },
          actions: { artifactDelta: { [filename]: 0 } },
        }),
      );
    });
    return events;
  }
}
