import type { WireEvent } from '@earshot/bridge/browser';

/** What an event is, in one word, and a one-line summary of it, for the timeline. */
export interface EventDescription {
  kind: string;
  summary: string;
}

const clip = (text: string, max = 90) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function describeEvent(event: WireEvent): EventDescription {
  const parts = event.content?.parts ?? [];
  const call = parts.find((p) => p.functionCall)?.functionCall;
  if (call)
    return { kind: 'tool call', summary: `${call.name}(${clip(JSON.stringify(call.args ?? {}), 60)})` };
  const result = parts.find((p) => p.functionResponse)?.functionResponse;
  if (result)
    return { kind: 'tool result', summary: `${result.name}: ${clip(JSON.stringify(result.response ?? {}))}` };
  const file = parts.find((p) => p.fileData)?.fileData;
  if (file) return { kind: 'recording', summary: recordingName(file.fileUri ?? '') };
  const inline = parts.find((p) => p.inlineData)?.inlineData;
  if (inline) return { kind: 'audio', summary: `${inline.mimeType ?? 'bytes'}, ${inline.byteLength} B` };
  if (event.inputTranscription) {
    return {
      kind: 'heard',
      summary: `${event.partial ? '… ' : ''}"${clip(event.inputTranscription.text ?? '')}"`,
    };
  }
  if (event.outputTranscription) {
    return {
      kind: 'said',
      summary: `${event.partial ? '… ' : ''}"${clip(event.outputTranscription.text ?? '')}"`,
    };
  }
  const text = parts.map((p) => p.text ?? '').join('');
  if (text) return { kind: event.author === 'user' ? 'typed' : 'text', summary: `"${clip(text)}"` };
  if (event.errorCode)
    return { kind: 'error', summary: `${event.errorCode}: ${clip(event.errorMessage ?? '')}` };
  if (event.liveSessionResumptionUpdate) {
    return {
      kind: 'resumption',
      summary: `handle ${event.liveSessionResumptionUpdate.newHandle ?? '(none)'}`,
    };
  }
  if (event.usageMetadata)
    return { kind: 'usage', summary: `${event.usageMetadata.totalTokenCount ?? '?'} tokens` };
  if (event.interrupted) return { kind: 'interrupted', summary: 'the user spoke over the model' };
  if (event.turnComplete) return { kind: 'turn complete', summary: '' };
  if (event.generationComplete) return { kind: 'generation complete', summary: '' };
  const delta = event.actions?.stateDelta ?? {};
  if (Object.keys(delta).length > 0) return { kind: 'state', summary: clip(Object.keys(delta).join(', ')) };
  return { kind: 'event', summary: '' };
}

/** The filename of an `artifact://…/artifacts/{filename}/versions/{v}` URI, e.g. `live-audio/…/input-0.wav`. */
export function recordingName(uri: string): string {
  const match = /\/artifacts\/([^/]+)\/versions\/(\d+)$/.exec(uri);
  if (!match) return uri;
  try {
    return `${decodeURIComponent(match[1] as string)} v${match[2]}`;
  } catch {
    return uri;
  }
}
