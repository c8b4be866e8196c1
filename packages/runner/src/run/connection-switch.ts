import { type AudioFlushReason, type Event, LiveConnectionError } from '@earshot/core';
import type { LlmAgent } from '../agents/llm-agent.js';
import type { ConnectionOpener, OpenedConnection } from '../connection/connection-opener.js';
import type { LiveCloseInfo } from '../connection/live-model.js';
import { isReconnectableClose, resumptionFor } from '../connection/reconnect-policy.js';
import { type InputContinuity, unconfirmedEvent } from '../continuity/input-continuity.js';
import type { TrackedConnection } from '../continuity/tracked-connection.js';
import type { InputPump } from '../input/input-pump.js';
import type { RunObservers } from '../plugins/run-observers.js';
import type { ConnectionReason } from '../telemetry/run-telemetry.js';
import type { LiveTools } from '../tools/tool-batches.js';
import type { EventSink } from './event-sink.js';
import type { LiveRunOptions } from './live-run-options.js';
import type { LiveMessageMapper } from './message-mapper.js';
import type { RunTranscript } from './run-transcript.js';

/** What the switch works with: the run's parts, shared with the processing loop. */
export interface ConnectionSwitchParts {
  options: LiveRunOptions;
  opener: ConnectionOpener;
  sink: EventSink;
  continuity: InputContinuity;
  input: InputPump;
  tools: LiveTools;
  observers: RunObservers;
  mapper: LiveMessageMapper;
  transcript: RunTranscript;
  /** No recording straddles two connections (or two agents). */
  flushRecording: (reason: AudioFlushReason) => void;
  /** True once the run is stopping: no more reconnects. */
  stopping: () => boolean;
  /** True once everything the caller sent before closing the queue went out. */
  inputClosed: () => boolean;
}

/**
 * The run's current model connection and the agent behind it, and replacing them: a drop or a
 * `goAway` resumes the same Gemini session from the latest handle on a new connection; a
 * transfer opens the next agent's own session, primed with the conversation so far. Input
 * waits in the queue while a replacement connects; the loop calls these between signals.
 */
export class ConnectionSwitch {
  private readonly parts: ConnectionSwitchParts;
  agent: LlmAgent;
  connection: TrackedConnection | undefined;
  connectionId = 0;
  /** Messages of older connections are still handled, except across a transfer. */
  acceptFrom = 0;
  goAwayPending = false;
  connectionGone = false;
  private resumedGeneration = -1;
  /** Why the next adopted connection was opened (telemetry, plugins). */
  private opening: ConnectionReason = 'start';

  constructor(parts: ConnectionSwitchParts) {
    this.parts = parts;
    this.agent = parts.options.agent;
  }

  /** The connection tools answer on, with the agent and handle generation it belongs to. */
  current() {
    const { connection, agent, resumedGeneration } = this;
    return connection && { connection, agent, resumedGeneration };
  }

  /** The server closed the current connection: resume when allowed, else throw why not. */
  async handleClose(info: LiveCloseInfo): Promise<void> {
    this.connection = undefined;
    this.connectionGone = true;
    // Not a drop if the caller already closed the queue (its close may still be in the pump).
    if (info.closedByClient || this.parts.inputClosed() || this.parts.options.queue.isClosed) return;
    const detail = info.reason ? `: ${info.reason}` : '';
    const lost = `live connection closed unexpectedly (code ${info.code})${detail}`;
    if (!isReconnectableClose(info.code) || !this.mayReconnect()) {
      throw new LiveConnectionError(lost, { closeCode: info.code, cause: info.error });
    }
    if (this.parts.sink.resumptionHandle === undefined) {
      throw new LiveConnectionError(`${lost}; no resumption handle to reconnect with`, {
        closeCode: info.code,
        cause: info.error,
      });
    }
    await this.replaceConnection();
  }

  mayReconnect(): boolean {
    const { reconnect, queue } = this.parts.options;
    return reconnect.maxAttempts > 0 && !queue.isClosed && !this.parts.stopping();
  }

  /** Same agent, same Gemini session: resume it from the latest handle on a new connection. */
  async replaceConnection(): Promise<void> {
    const { options, sink, opener, continuity } = this.parts;
    const generation = sink.handleGeneration;
    const resumption = resumptionFor(options.runConfig.sessionResumption, sink.resumptionHandle);
    this.detach('reconnect');
    options.telemetry.reconnect();
    this.opening = 'reconnect';
    const opened = await opener.replace(
      options.tree.connectionTarget(this.agent, resumption),
      this.worthConnecting,
    );
    // What the session behind the handle may lack goes first (transparent), or is reported.
    let report: Event | undefined;
    this.adopt(opened, generation, (connection) => {
      const base = { invocationId: options.invocationId, author: this.agent.name };
      report = unconfirmedEvent(continuity.resumeOn(connection, generation), base);
    });
    if (report) sink.yieldOnly(report);
  }

  /** Another agent: its own instruction, tools and Gemini session (never the other agent's handle). */
  async transferTo(target: LlmAgent): Promise<void> {
    const { options, sink, opener, continuity, mapper, tools, transcript } = this.parts;
    this.detach('transfer');
    this.acceptFrom = Number.POSITIVE_INFINITY; // the old agent's late messages are dropped
    this.agent = target;
    mapper.agentName = target.name;
    tools.useAgent(target);
    sink.forgetHandle();
    continuity.newSession();
    opener.proven();
    const config = resumptionFor(options.runConfig.sessionResumption, undefined);
    // The new agent's session starts empty: give it the conversation so far, before any input.
    const history = transcript.history();
    this.opening = 'transfer';
    this.adopt(
      await opener.replace(options.tree.connectionTarget(target, config), this.worthConnecting),
      -1,
      (connection) => {
        if (history.length > 0) connection.sendClientContent({ turns: history, turnComplete: false });
      },
    );
  }

  /** Makes a freshly opened connection the current one (nothing to adopt: the run is ending). */
  adopt(
    opened: OpenedConnection | undefined,
    resumedGeneration = -1,
    prelude?: (connection: TrackedConnection) => void,
  ): void {
    if (opened === undefined) return;
    const { continuity, input, tools, observers } = this.parts;
    const connection = continuity.track(opened.connection, opened.id);
    prelude?.(connection);
    this.connection = connection;
    this.connectionId = opened.id;
    if (this.acceptFrom > opened.id) this.acceptFrom = opened.id;
    this.connectionGone = false;
    this.resumedGeneration = resumedGeneration;
    input.connectTo(connection);
    tools.route(this.current());
    observers.connectionAdopted(opened.id, this.agent, this.opening);
  }

  /** While switching: keep trying unless the caller closed the queue with nothing left to send. */
  private readonly worthConnecting = () =>
    !this.parts.options.queue.isClosed || this.parts.input.hasUndelivered;

  private detach(reason: AudioFlushReason): void {
    this.parts.input.pause();
    this.connection?.close();
    this.connection = undefined;
    this.connectionGone = true;
    this.goAwayPending = false;
    this.parts.flushRecording(reason);
  }
}
