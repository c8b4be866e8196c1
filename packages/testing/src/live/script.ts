import type { FakeLiveConnection } from './fake-live-connection.js';
import type { FakeScriptStep } from './types.js';

/** Plays scripted steps on one connection, in order; the first failing step rejects. */
export async function playScript(conn: FakeLiveConnection, steps: readonly FakeScriptStep[]): Promise<void> {
  for (const [position, step] of steps.entries()) {
    try {
      await playStep(conn, step);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`script step ${position} (${describeStep(step)}) failed: ${message}`, { cause: error });
    }
  }
}

async function playStep(conn: FakeLiveConnection, step: FakeScriptStep): Promise<void> {
  if ('send' in step) return conn.send(step.send, step.binary === undefined ? {} : { binary: step.binary });
  if ('raw' in step) return conn.sendRaw(step.raw);
  if ('delayMs' in step) return delayUnlessClosed(conn, step.delayMs);
  if ('waitFor' in step) {
    await conn.waitFor(step.waitFor, step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs });
    return;
  }
  if ('close' in step) return conn.close(step.close.code, step.close.reason);
  if ('terminate' in step) return conn.terminate();
  return step.run(conn);
}

/** A delay cut short by the socket closing, so a closed connection never holds a timer. */
function delayUnlessClosed(conn: FakeLiveConnection, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void conn.closed.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function describeStep(step: FakeScriptStep): string {
  return Object.keys(step)[0] ?? 'empty';
}
