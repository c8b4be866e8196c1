import { type ArtifactService, createEventActions, type EventActions } from '@earshot/core';
import type { Part } from '@google/genai';

/** Session state as a tool sees it: reads fall through to the session, writes are recorded. */
export interface ToolState {
  get(key: string): unknown;
  has(key: string): boolean;
  /** Recorded in `actions.stateDelta`; applied when the function-response event is appended. */
  set(key: string, value: unknown): void;
  /** Removes the key (a `null` in the state delta). */
  delete(key: string): void;
}

/** The session's artifacts; saved versions are recorded in `actions.artifactDelta`. */
export interface ToolArtifacts {
  save(request: { filename: string; artifact: Part }): Promise<number>;
  load(request: { filename: string; version?: number }): Promise<Part | undefined>;
  list(): Promise<string[]>;
}

/** Everything a `FunctionTool` gets besides its arguments. */
export interface ToolContext {
  readonly toolName: string;
  /** The id the model gave the call; the response carries it back. */
  readonly functionCallId: string | undefined;
  readonly invocationId: string;
  readonly agentName: string;
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Aborted when the model cancels the call, the tool times out, or the run stops. */
  readonly signal: AbortSignal;
  readonly state: ToolState;
  /** Lands on the function-response event (state and artifact deltas, escalate). */
  readonly actions: EventActions;
  /** Present when the runner has an `artifactService`. */
  readonly artifacts: ToolArtifacts | undefined;
}

export interface ToolContextInit {
  toolName: string;
  functionCallId: string | undefined;
  invocationId: string;
  agentName: string;
  appName: string;
  userId: string;
  sessionId: string;
  signal: AbortSignal;
  /** The run's live session state (read at call time). */
  sessionState: Readonly<Record<string, unknown>>;
  artifactService: ArtifactService | undefined;
}

export function createToolContext(init: ToolContextInit): ToolContext {
  const actions = createEventActions();
  const { appName, userId, sessionId, sessionState, artifactService } = init;
  const state: ToolState = {
    get: (key) =>
      (Object.hasOwn(actions.stateDelta, key) ? actions.stateDelta[key] : sessionState[key]) ?? undefined,
    has: (key) =>
      Object.hasOwn(actions.stateDelta, key)
        ? actions.stateDelta[key] !== null
        : Object.hasOwn(sessionState, key),
    set: (key, value) => {
      actions.stateDelta[key] = value;
    },
    delete: (key) => {
      actions.stateDelta[key] = null;
    },
  };
  const artifacts: ToolArtifacts | undefined = artifactService && {
    save: async ({ filename, artifact }) => {
      const version = await artifactService.saveArtifact({ appName, userId, sessionId, filename, artifact });
      actions.artifactDelta[filename] = version;
      return version;
    },
    load: ({ filename, version }) =>
      artifactService.loadArtifact({ appName, userId, sessionId, filename, version }),
    list: () => artifactService.listArtifactKeys({ appName, userId, sessionId }),
  };
  return {
    toolName: init.toolName,
    functionCallId: init.functionCallId,
    invocationId: init.invocationId,
    agentName: init.agentName,
    appName,
    userId,
    sessionId,
    signal: init.signal,
    state,
    actions,
    artifacts,
  };
}
