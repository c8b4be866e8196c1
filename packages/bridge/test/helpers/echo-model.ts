import type { FakeConnectionHandler, LiveClientFrame } from '@earshot/testing';
import type { EventFrame, ServerFrame } from '../../src/index.js';
import type { TestClient } from './test-client.js';

const textOf = (frame: LiveClientFrame) =>
  (frame.clientContent as { turns?: Array<{ parts?: Array<{ text?: string }> }> } | undefined)?.turns?.[0]
    ?.parts?.[0]?.text;

/** The fake model answers every typed turn with the output transcription `echo: TEXT` and turnComplete. */
export const echoModel: FakeConnectionHandler = async (conn) => {
  for (let answered = 0; ; answered++) {
    let seen = 0;
    const frame = await conn
      .waitFor((f) => f.clientContent !== undefined && ++seen === answered + 1, { timeoutMs: 600_000 })
      .catch(() => undefined);
    if (frame === undefined || !conn.isOpen) return;
    conn.sendOutputTranscription(`echo: ${textOf(frame)}`, { finished: true });
    conn.sendTurnComplete();
  }
};

const isEcho = (text: string) => (f: ServerFrame) =>
  f.type === 'event' && f.event.partial !== true && f.event.outputTranscription?.text === `echo: ${text}`;

/** Says `text` and waits for the echo model's answer: proof the conversation is alive. */
export async function say(client: TestClient, text: string): Promise<EventFrame> {
  client.sendJson({ type: 'text', text });
  return (await client.waitForJson(isEcho(text), 15_000)) as EventFrame;
}
