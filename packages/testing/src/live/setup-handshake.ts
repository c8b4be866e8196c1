import type { FakeLiveConnection } from './fake-live-connection.js';
import { playScript } from './script.js';
import { liveServerFrames } from './server-frames.js';
import type { FakeConnectionPlan } from './types.js';

/**
 * Answers a connection's `setup` frame the way its plan says. Returns true when `setupComplete`
 * was sent (the connection is live), false when the plan withheld it or closed instead.
 */
export function answerSetup(conn: FakeLiveConnection, plan: FakeConnectionPlan): boolean {
  if (plan.withholdSetupComplete === true) return false;
  if (plan.closeBeforeSetupComplete !== undefined) {
    const { code, reason } = plan.closeBeforeSetupComplete;
    try {
      conn.close(code, reason ?? '');
    } catch (error) {
      conn.errors.push(asError(error));
    }
    return false;
  }
  conn.send(liveServerFrames.setupComplete(plan.setupComplete ?? {}));
  if (plan.script !== undefined && plan.script.length > 0) {
    playScript(conn, plan.script).catch((error: unknown) => conn.errors.push(asError(error)));
  }
  return true;
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
