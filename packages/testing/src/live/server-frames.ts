/**
 * Builders for the server → client messages of the Gemini Live API, shaped exactly as the real
 * service sends them. Pure functions, so they also serve tests that map messages without sockets.
 */

export interface FakeFunctionCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export const liveServerFrames = {
  setupComplete(body: Record<string, unknown> = {}): object {
    return { setupComplete: body };
  },
  /** One chunk of model audio: 16-bit PCM, base64 in `inlineData`. */
  audio(pcm: Buffer, rate = 24_000): object {
    const inlineData = { mimeType: `audio/pcm;rate=${rate}`, data: pcm.toString('base64') };
    return { serverContent: { modelTurn: { parts: [{ inlineData }] } } };
  },
  text(text: string): object {
    return { serverContent: { modelTurn: { parts: [{ text }] } } };
  },
  inputTranscription(text: string, finished?: boolean): object {
    return { serverContent: { inputTranscription: transcription(text, finished) } };
  },
  outputTranscription(text: string, finished?: boolean): object {
    return { serverContent: { outputTranscription: transcription(text, finished) } };
  },
  turnComplete(): object {
    return { serverContent: { turnComplete: true } };
  },
  interrupted(): object {
    return { serverContent: { interrupted: true } };
  },
  generationComplete(): object {
    return { serverContent: { generationComplete: true } };
  },
  toolCall(functionCalls: FakeFunctionCall[]): object {
    return { toolCall: { functionCalls } };
  },
  toolCallCancellation(ids: string[]): object {
    return { toolCallCancellation: { ids } };
  },
  usage(usageMetadata: object): object {
    return { usageMetadata };
  },
  /** `lastConsumedClientMessageIndex` (transparent resumption) is an int64 as a decimal string. */
  resumptionUpdate(newHandle: string, resumable = true, lastConsumedClientMessageIndex?: string): object {
    const update: Record<string, unknown> = { newHandle, resumable };
    if (lastConsumedClientMessageIndex !== undefined)
      update.lastConsumedClientMessageIndex = lastConsumedClientMessageIndex;
    return { sessionResumptionUpdate: update };
  },
  /** `timeLeft` is a protobuf duration string such as `'10s'`. */
  goAway(timeLeft = '10s'): object {
    return { goAway: { timeLeft } };
  },
};

function transcription(text: string, finished: boolean | undefined): object {
  // `finished` is left out unless given: the real service omits it on most deltas.
  return finished === undefined ? { text } : { text, finished };
}
