import { clientFrameIs, type FakeLiveConnection, type FakeLiveServer, pcm16Tone } from '@earshot/testing';

/** What the offline stand-in for Gemini says and does on each user turn. */
export interface ScriptedModelOptions {
  /** Length of each spoken reply. Default 1200 ms. */
  replyMs?: number;
  /** Size of each reply audio chunk. Default 40 ms. */
  chunkMs?: number;
}

const OUTPUT_RATE = 24_000;

/** A client frame that ends a user turn: activityEnd, audioStreamEnd, typed text or a completed content turn. */
function endsUserTurn(frame: Record<string, unknown>): boolean {
  const realtime = frame.realtimeInput as Record<string, unknown> | undefined;
  if (realtime && ('activityEnd' in realtime || 'audioStreamEnd' in realtime || 'text' in realtime))
    return true;
  const content = frame.clientContent as { turnComplete?: boolean } | undefined;
  return content?.turnComplete === true;
}

/**
 * Makes a FakeLiveServer behave like a tiny voice agent so the example runs offline: after each
 * user turn it transcribes it, calls the `get_time` tool, waits for the answer, then speaks a
 * reply (a tone) with an output transcription, usage and a resumption handle.
 */
export function attachScriptedModel(server: FakeLiveServer, options: ScriptedModelOptions = {}): () => void {
  const replyMs = options.replyMs ?? 1200;
  const chunkMs = options.chunkMs ?? 40;
  return server.onConnection((conn) => converse(conn, replyMs, chunkMs));
}

async function converse(conn: FakeLiveConnection, replyMs: number, chunkMs: number): Promise<void> {
  let turn = 0;
  let from = 0;
  while (conn.isOpen) {
    const end = await conn
      .waitFor(endsUserTurn, { fromIndex: from, timeoutMs: 3_600_000 })
      .catch(() => undefined);
    if (!end || !conn.isOpen) return;
    from = conn.received.indexOf(end) + 1;
    turn += 1;
    const heardMs = Math.round((conn.receivedAudio().length / 2 / 16_000) * 1000);

    conn.sendInputTranscription('What time');
    conn.sendInputTranscription(' is it?', { finished: true });
    const callId = `call-${turn}`;
    conn.sendToolCall([{ id: callId, name: 'get_time', args: { timezone: 'UTC' } }]);
    const answer = await conn
      .waitFor(clientFrameIs.toolResponseFor(callId), { timeoutMs: 30_000 })
      .catch(() => undefined);
    if (!answer || !conn.isOpen) return;
    from = Math.max(from, conn.received.indexOf(answer) + 1);

    const words = ['It is', ' time for', ` turn ${turn}.`];
    const chunks = Math.max(1, Math.round(replyMs / chunkMs));
    for (let i = 0; i < chunks && conn.isOpen; i++) {
      if (i % Math.ceil(chunks / words.length) === 0) {
        const word = words.shift();
        if (word) conn.sendOutputTranscription(word);
      }
      conn.sendAudio(pcm16Tone({ ms: chunkMs, rate: OUTPUT_RATE, seed: turn * 1000 + i }), {
        rate: OUTPUT_RATE,
      });
    }
    conn.sendOutputTranscription(words.join(''), { finished: true });
    conn.sendGenerationComplete();
    conn.sendTurnComplete();
    conn.sendUsage({
      promptTokenCount: heardMs,
      responseTokenCount: replyMs,
      totalTokenCount: heardMs + replyMs,
    });
    conn.sendResumptionUpdate(`handle-${conn.index}-${turn}`);
  }
}
