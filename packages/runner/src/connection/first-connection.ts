import {
  createEvent,
  LIVE_RESUMPTION_HANDLE_KEY,
  LiveConnectionError,
  type RunConfig,
  type Session,
  type SessionService,
} from '@earshot/core';
import type { Content, SessionResumptionConfig } from '@google/genai';
import type { AgentTree } from '../agents/agent-tree.js';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { TranscriptLimits } from '../continuity/bounded-transcript.js';
import { loadSessionContext } from '../continuity/session-context.js';
import type { TrackedConnection } from '../continuity/tracked-connection.js';
import { type EventSink, messageOf } from '../run/event-sink.js';
import type { ConnectionOpener, OpenedConnection } from './connection-opener.js';
import { resumptionFor } from './reconnect-policy.js';

/** `errorCode` of the non-fatal event a run yields when its stored handle was refused. */
export const RESUMPTION_HANDLE_REJECTED = 'RESUMPTION_HANDLE_REJECTED';

/** `errorCode` of the non-fatal event a run yields when the stored conversation could not be read. */
export const SESSION_CONTEXT_UNAVAILABLE = 'SESSION_CONTEXT_UNAVAILABLE';

export interface FirstConnectionOptions {
  opener: ConnectionOpener;
  sink: EventSink;
  runConfig: RunConfig;
  /** The handle the run starts from (explicit or from session state), if any. */
  startHandle: string | undefined;
  invocationId: string;
  tree: AgentTree;
  /** The agent the run starts with. */
  agent: LlmAgent;
  appName: string;
  session: Session;
  sessionService: SessionService;
  /** The run created the session: there is no stored conversation. */
  sessionCreated: boolean;
  newSessionContext: Required<TranscriptLimits>;
  /** Makes the opened connection the run's current one (before anything is emitted). */
  adopt: (opened: OpenedConnection | undefined, prelude?: (connection: TrackedConnection) => void) => void;
}

/**
 * Opens the first connection of a run, once. When it resumed from the handle saved in session
 * state (not an explicit `runConfig.sessionResumption.handle`) and the connect fails before the
 * setup completed (the handle expired, or its session is gone), it tries once more as a new
 * Gemini session, then emits a non-fatal `RESUMPTION_HANDLE_REJECTED` event whose state delta
 * deletes the stored handle. A failure of that retry, or of an explicit handle, fails the run.
 */
export async function openFirstConnection(options: FirstConnectionOptions): Promise<void> {
  const { opener, sink, runConfig, startHandle, tree, agent } = options;
  const targetFor = (resumption: SessionResumptionConfig | undefined) =>
    tree.connectionTarget(agent, resumption);
  const base = runConfig.sessionResumption;
  const stored = startHandle !== undefined && !base?.handle;
  let rejected: LiveConnectionError;
  try {
    // A new Gemini session knows nothing: it first gets the stored conversation (never a resumed one).
    const context = startHandle === undefined ? await storedContext(options) : [];
    options.adopt(await opener.openOnce(targetFor(resumptionFor(base, startHandle))), withContext(context));
    return;
  } catch (error) {
    if (!stored || !(error instanceof LiveConnectionError)) throw error;
    rejected = error;
  }
  const context = await storedContext(options);
  const opened = await opener.openOnce(targetFor(resumptionFor(base, undefined)));
  options.adopt(opened, withContext(context));
  if (opened === undefined) return; // the run stopped meanwhile
  sink.forgetHandle();
  await sink.emit(
    createEvent({
      invocationId: options.invocationId,
      author: agent.name,
      errorCode: RESUMPTION_HANDLE_REJECTED,
      errorMessage: `the saved resumption handle was refused (${rejected.message}); started a new live session`,
      actions: { stateDelta: { [LIVE_RESUMPTION_HANDLE_KEY]: null } },
    }),
  );
}

/** The stored conversation as context; a store that cannot be read is reported, not fatal. */
async function storedContext(options: FirstConnectionOptions): Promise<Content[]> {
  if (options.sessionCreated) return [];
  try {
    return await loadSessionContext({ ...options, limits: options.newSessionContext });
  } catch (error) {
    options.sink.yieldOnly(
      createEvent({
        invocationId: options.invocationId,
        author: options.agent.name,
        errorCode: SESSION_CONTEXT_UNAVAILABLE,
        errorMessage: `the stored conversation could not be read (${messageOf(error)}); the new live session starts without it`,
      }),
    );
    return [];
  }
}

function withContext(turns: Content[]): ((connection: TrackedConnection) => void) | undefined {
  if (turns.length === 0) return undefined;
  return (connection) => connection.sendClientContent({ turns, turnComplete: false });
}
