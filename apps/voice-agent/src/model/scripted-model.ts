import { setTimeout as sleep } from 'node:timers/promises';
import { clientFrameIs, type FakeLiveConnection, type FakeLiveServer, pcm16Tone } from '@earshot/testing';
import { asksForTime, type UserTurn, userTurnEndedBy } from './user-turn.js';

/** What the offline stand-in for Gemini says and does on each user turn. */
export interface ScriptedModelOptions {
  /** Length of each spoken reply. Default 1200 ms. */
  replyMs?: number;
  /** Size of each reply audio chunk. Default 40 ms. */
  chunkMs?: number;
}

/** What the scripted model "hears" in every spoken turn: it has no speech recognition. */
export const SCRIPTED_TRANSCRIPT = 'What time is it?';

const OUTPUT_RATE = 24_000;
/** Pause between the two pieces of a spoken turn's transcription (a page shows the partial first). */
const PIECE_GAP_MS = 150;
/** Resumption handles remembered (oldest forgotten first), so memory stays bounded. */
const MAX_HANDLES = 1000;

/**
 * Makes a FakeLiveServer behave like a tiny voice agent so the example runs offline. On each
 * user turn: a spoken turn is "transcribed" as {@link SCRIPTED_TRANSCRIPT}; a typed one is taken
 * as typed. When the turn asks for the time it calls the `get_time` tool and waits for the
 * answer, as Gemini does; then it speaks a reply (a tone) with an output transcription that
 * quotes the typed text and the tool's answer, usage and a resumption handle. A connection whose
 * setup carries a handle it issued continues that conversation's turn count (the model resumed);
 * an unknown handle starts a new one.
 */
export function attachScriptedModel(server: FakeLiveServer, options: ScriptedModelOptions = {}): () => void {
  const replyMs = options.replyMs ?? 1200;
  const chunkMs = options.chunkMs ?? 40;
  const turnsByHandle = new Map<string, number>();
  const remember = (handle: string, turns: number) => {
    turnsByHandle.set(handle, turns);
    if (turnsByHandle.size > MAX_HANDLES) turnsByHandle.delete(turnsByHandle.keys().next().value as string);
  };
  return server.onConnection((conn) => {
    const handle = resumptionHandleOf(conn);
    const turnsSoFar = (handle && turnsByHandle.get(handle)) || 0;
    return converse(conn, { replyMs, chunkMs, turnsSoFar, remember });
  });
}

function resumptionHandleOf(conn: FakeLiveConnection): string | undefined {
  const resumption = conn.setup?.sessionResumption as { handle?: unknown } | undefined;
  return typeof resumption?.handle === 'string' ? resumption.handle : undefined;
}

interface Conversation {
  replyMs: number;
  chunkMs: number;
  turnsSoFar: number;
  remember: (handle: string, turns: number) => void;
}

async function converse(conn: FakeLiveConnection, c: Conversation): Promise<void> {
  let turn = c.turnsSoFar;
  let from = 0;
  let heardBytes = 0;
  while (conn.isOpen) {
    let userTurn: UserTurn | undefined;
    const end = await conn
      .waitFor(
        (frame) => {
          userTurn = userTurnEndedBy(frame);
          return userTurn !== undefined;
        },
        { fromIndex: from, timeoutMs: 3_600_000 },
      )
      .catch(() => undefined);
    if (!end || !userTurn || !conn.isOpen) return;
    from = conn.received.indexOf(end) + 1;
    turn += 1;
    const totalBytes = conn.receivedAudio().length;
    const heardMs = Math.round(((totalBytes - heardBytes) / 2 / 16_000) * 1000);
    heardBytes = totalBytes;

    if (userTurn.kind === 'spoken') {
      conn.sendInputTranscription('What time');
      await sleep(PIECE_GAP_MS);
      conn.sendInputTranscription(' is it?', { finished: true });
    }
    let time: string | undefined;
    if (asksForTime(userTurn)) {
      const callId = `call-${conn.index}-${turn}`;
      conn.sendToolCall([{ id: callId, name: 'get_time', args: { timezone: 'UTC' } }]);
      const answer = await conn
        .waitFor(clientFrameIs.toolResponseFor(callId), { timeoutMs: 30_000 })
        .catch(() => undefined);
      if (!answer || !conn.isOpen) return;
      from = Math.max(from, conn.received.indexOf(answer) + 1);
      time = timeIn(answer.toolResponse?.functionResponses?.find((r) => r.id === callId)?.response);
    }
    await speak(conn, replyFor(userTurn, time, turn), { ...c, seed: turn * 1000 });
    conn.sendUsage({
      promptTokenCount: heardMs,
      responseTokenCount: c.replyMs,
      totalTokenCount: heardMs + c.replyMs,
    });
    const handle = `scripted-${conn.index}-${turn}`;
    c.remember(handle, turn);
    conn.sendResumptionUpdate(handle);
  }
}

/** The tool's `time` from a function response (`{time}` or `{output: {time}}`). */
function timeIn(response: Record<string, unknown> | undefined): string {
  const result = (response?.output ?? response) as { time?: unknown; timezone?: unknown } | undefined;
  return typeof result?.time === 'string' ? `${result.time} ${String(result.timezone ?? '')}`.trim() : '?';
}

export function replyFor(turn: UserTurn, time: string | undefined, n: number): string {
  const said = turn.kind === 'typed' ? `You typed "${turn.text}". ` : '';
  const answer = time ? `It is ${time}.` : 'I am the offline scripted model: ask me the time.';
  return `${said}${answer} (turn ${n})`;
}

/**
 * The reply as audio (a tone) with its output transcription in three partial pieces, then final.
 * Chunks go out at twice real time (Gemini also sends faster than it speaks), so a page sees
 * the transcript grow instead of one burst.
 */
async function speak(
  conn: FakeLiveConnection,
  text: string,
  o: { replyMs: number; chunkMs: number; seed: number },
) {
  const words = text.split(' ');
  const third = Math.ceil(words.length / 3);
  const pieces = [0, 1, 2].map((i) => words.slice(i * third, (i + 1) * third).join(' ')).filter(Boolean);
  const chunks = Math.max(1, Math.round(o.replyMs / o.chunkMs));
  const every = Math.ceil(chunks / pieces.length);
  for (let i = 0; i < chunks && conn.isOpen; i++) {
    if (i % every === 0) {
      const piece = pieces[i / every];
      if (piece) conn.sendOutputTranscription(i === 0 ? piece : ` ${piece}`);
    }
    conn.sendAudio(pcm16Tone({ ms: o.chunkMs, rate: OUTPUT_RATE, seed: o.seed + i }), { rate: OUTPUT_RATE });
    await sleep(o.chunkMs / 2);
  }
  conn.sendOutputTranscription('', { finished: true }); // the runner's final is the sum of the deltas
  conn.sendGenerationComplete();
  conn.sendTurnComplete();
}
