import type {
  ArtifactService,
  AudioRecorder,
  PersistencePolicy,
  RunConfig,
  Session,
  SessionService,
} from '@earshot/core';
import type { AgentTree } from './agent-tree.js';
import type { LiveRequestQueue } from './live-request-queue.js';
import type { LlmAgent } from './llm-agent.js';
import type { ReconnectPolicy } from './reconnect-policy.js';
import type { StorageOutagePolicy } from './storage-outage.js';

/** What one `runLive` invocation is given by the Runner. */
export interface LiveRunOptions {
  appName: string;
  session: Session;
  tree: AgentTree;
  /** The agent the run starts with (the root, or the one whose session is resumed). */
  agent: LlmAgent;
  /** Resume the first connection from this handle. */
  startHandle: string | undefined;
  invocationId: string;
  runConfig: RunConfig;
  queue: LiveRequestQueue;
  sessionService: SessionService;
  artifactService: ArtifactService | undefined;
  audioRecorder: AudioRecorder | undefined;
  persistencePolicy: PersistencePolicy;
  toolTimeoutMs: number;
  connectTimeoutMs: number;
  reconnect: ReconnectPolicy;
  recorderFlushTimeoutMs: number;
  /** Bounds for riding out a failing session store; undefined ends the run at the first failed append. */
  storageOutage: StorageOutagePolicy | undefined;
}
