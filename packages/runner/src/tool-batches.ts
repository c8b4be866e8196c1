import type { LiveConnection } from './live-model.js';
import type { LlmAgent } from './llm-agent.js';
import type { ToolBatchOutcome } from './tool-executor.js';

/** The function calls of one `toolCall` message, and where they came from. */
export interface ToolBatch {
  agent: LlmAgent;
  /** The connection the calls arrived on. */
  origin: LiveConnection | undefined;
  /** `EventSink.handleGeneration` when the calls arrived: a newer handle knows about them. */
  generation: number;
  /** True once the responses went out. */
  answered: boolean;
}

/** The connection input and answers go to now, and what its Gemini session knows about. */
export interface CurrentConnection {
  connection: LiveConnection;
  agent: LlmAgent;
  /**
   * Generation of the handle this connection resumed from (answers to calls older than that
   * handle are expected); -1 when it started a session of its own.
   */
  resumedGeneration: number;
}

/**
 * Sends tool answers whose connection died before they were ready. A resumed Gemini session
 * knows exactly the calls that arrived before the handle it resumed from: those answers go to
 * the new connection (the model waits for them); answers to calls the resumed session never
 * made — newer than its handle, or made by an agent the run has since transferred away from —
 * are not sent anywhere (the model would reject an unknown call id). Their events are yielded
 * and persisted either way: the tool did run.
 */
export class ToolAnswerRouter {
  private waiting: Array<{ batch: ToolBatch; outcome: ToolBatchOutcome }> = [];

  /** A batch settled while its connection was closed: answer it once a connection qualifies. */
  hold(batch: ToolBatch, outcome: ToolBatchOutcome): void {
    if (!batch.answered && outcome.responses.length > 0) this.waiting.push({ batch, outcome });
  }

  /** Sends what `current` is waiting for and forgets what it will never wait for. */
  route(current: CurrentConnection | undefined): void {
    if (current === undefined || current.connection.isClosed) return;
    const { connection, agent, resumedGeneration } = current;
    for (const { batch, outcome } of this.waiting) {
      if (batch.agent === agent && batch.origin !== connection && resumedGeneration > batch.generation) {
        connection.sendToolResponse({ functionResponses: outcome.responses });
        batch.answered = true;
      }
    }
    this.waiting = [];
  }
}
