import type {
  ArtifactService,
  AudioRecorder,
  PersistencePolicy,
  RunConfig,
  Session,
  SessionService,
} from '@earshot/core';
import type { AgentTree } from '../agents/agent-tree.js';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { ReconnectPolicy } from '../connection/reconnect-policy.js';
import type { TranscriptLimits } from '../continuity/bounded-transcript.js';
import type { InputReplayOptions } from '../continuity/input-ledger.js';
import type { LiveRequestQueue } from '../input/live-request-queue.js';
import type { RunnerPlugin } from '../plugins/runner-plugin.js';
import type { RunTelemetry } from '../telemetry/run-telemetry.js';
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
  /** Bounds of the unconfirmed input kept for a transparent resume. */
  inputReplay: Required<InputReplayOptions>;
  /** Bounds of the stored conversation sent to a new Gemini session. */
  newSessionContext: Required<TranscriptLimits>;
  /** True when this run created the session (nothing stored to give as context). */
  sessionCreated: boolean;
  /** Longest time a new resumption handle stays unsaved. */
  resumptionSaveDelayMs: number;
  plugins: readonly RunnerPlugin[];
  /** Notifications one plugin may have waiting. */
  pluginQueueLimit: number;
  /** How long the end of the run waits for plugins. */
  pluginEndTimeoutMs: number;
  telemetry: RunTelemetry;
  /** Bounds for riding out a failing session store; undefined ends the run at the first failed append. */
  storageOutage: StorageOutagePolicy | undefined;
  /** Most events the caller may leave untaken before the run ends with `SlowConsumerError`. */
  maxPendingEvents: number;
}
