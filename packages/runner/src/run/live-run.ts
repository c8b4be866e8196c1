import {
  type AudioFlushReason,
  createEvent,
  type Event,
  LIVE_RESUMPTION_HANDLE_KEY,
  type PluginError,
} from '@earshot/core';
import { LIVE_AGENT_KEY } from '../agents/agent-tree.js';
import type { LlmAgent } from '../agents/llm-agent.js';
import { ConnectionOpener } from '../connection/connection-opener.js';
import { openFirstConnection } from '../connection/first-connection.js';
import { HandleSaveTimer, saveUnsavedHandle } from '../continuity/handle-save-timer.js';
import { InputContinuity } from '../continuity/input-continuity.js';
import { InputPump } from '../input/input-pump.js';
import { isImageMime } from '../input/live-input-validation.js';
import type { LiveRequest } from '../input/live-request-queue.js';
import { pluginErrorEvent, RunObservers } from '../plugins/run-observers.js';
import { LiveTools, progressEvent, responseEvent, type ToolBatch } from '../tools/tool-batches.js';
import type { ToolBatchOutcome } from '../tools/tool-executor.js';
import { toolHooksFor } from '../tools/tool-hooks.js';
import type { AsyncQueue } from './async-queue.js';
import {
  type AudioRecording,
  emitRecordingResult,
  type RecordingResult,
  recordingFor,
} from './audio-recording.js';
import { ConnectionSwitch } from './connection-switch.js';
import { EventSink } from './event-sink.js';
import type { LiveRunOptions } from './live-run-options.js';
import { MessageEmission } from './message-emission.js';
import { LiveMessageMapper } from './message-mapper.js';
import { endRun } from './run-ending.js';
import { type HandleOutcome, RunInbox } from './run-inbox.js';
import { isSetupOnly, MessageSignal, type RunSignal, recordStoppedCalls } from './run-signal.js';
import { RunTranscript } from './run-transcript.js';

/**
 * One `runLive` invocation. Socket callbacks, the input pump, tool completions and recorder
 * flushes only push signals into the inbox; a single processing loop turns them into events,
 * persists those the policy keeps, and hands every event to `output`, which `runLive`'s
 * iterator reads (a message arriving while the loop is idle is handled on arrival: `RunInbox`).
 * The loop never waits for the consumer. Replacing the model connection (a drop,
 * a `goAway`, an agent transfer: `ConnectionSwitch`) happens inside the loop: input waits in the
 * queue meanwhile, and signals that arrive during the switch are handled, in order, right after.
 */
export class LiveRun {
  private readonly options: LiveRunOptions;
  private readonly inbox = new RunInbox();
  private readonly handleNow = (signal: MessageSignal) => this.handle(signal);
  private readonly stopping = new AbortController();
  private readonly sink: EventSink;
  private readonly input: InputPump;
  private readonly mapper: LiveMessageMapper;
  private readonly opener: ConnectionOpener;
  private readonly recording: AudioRecording | undefined;
  private readonly transcript = new RunTranscript();
  private readonly continuity: InputContinuity;
  private readonly handleSave: HandleSaveTimer;
  private readonly tools: LiveTools;
  private readonly link: ConnectionSwitch;
  private readonly emission: MessageEmission;
  private inputClosed = false;
  private stopRequested = false;
  private overflow: Error | undefined;
  private processing: Promise<void> | undefined;
  private readonly observers: RunObservers;

  constructor(options: LiveRunOptions) {
    this.options = options;
    const report = (error: PluginError) => this.inbox.push({ kind: 'pluginError', error });
    this.observers = new RunObservers(options, report);
    this.continuity = new InputContinuity({
      transparent: options.runConfig.sessionResumption?.transparent === true,
      limits: options.inputReplay,
    });
    this.handleSave = new HandleSaveTimer(options.resumptionSaveDelayMs, () =>
      this.inbox.push({ kind: 'saveHandle' }),
    );
    this.mapper = new LiveMessageMapper({
      invocationId: options.invocationId,
      agentName: options.agent.name,
    });
    // Named fields, not `{...options}`: V8 gives each spread copy of a 28-field object its own
    // hidden class (~0.8 KiB per run, marked by every full GC).
    this.tools = new LiveTools(
      {
        tree: options.tree,
        appName: options.appName,
        session: options.session,
        invocationId: options.invocationId,
        artifactService: options.artifactService,
        toolTimeoutMs: options.toolTimeoutMs,
        telemetry: options.telemetry,
        onSettled: (batch, outcome) => this.inbox.push({ kind: 'toolsDone', batch, outcome }),
        onProgress: (batch, response) => this.inbox.push({ kind: 'toolProgress', batch, response }),
        hooksFor: (agent) => toolHooksFor(options.plugins, agent, report),
        onFailure: (error) => this.inbox.push({ kind: 'failure', error }),
      },
      options.agent,
    );
    this.sink = new EventSink({
      ...options,
      activeAgent: () => (options.tree.hasTransfers ? this.agent.name : undefined),
      onEvent: options.tree.hasTransfers ? (event) => this.transcript.note(event) : undefined,
      observe: this.observers.eventListener,
      author: () => this.agent.name,
      onStorageFailure: (error) => this.inbox.push({ kind: 'failure', error }),
      // Ends the run before the next signal, not behind the ones already queued.
      onOverflow: (error) => {
        this.overflow = error;
        this.inbox.push({ kind: 'wake' });
      },
    });
    if (options.startHandle !== undefined) this.sink.startFrom(options.startHandle);
    this.input = new InputPump({
      queue: options.queue,
      onSent: (request) => this.afterSend(request),
      onInputClosed: () => this.inbox.push({ kind: 'inputClosed' }),
      onFailure: (error) => this.inbox.push({ kind: 'failure', error }),
    });
    this.opener = new ConnectionOpener({
      runConfig: options.runConfig,
      connectTimeoutMs: options.connectTimeoutMs,
      policy: options.reconnect,
      signal: this.stopping.signal,
      listenerFor: (connection) => ({
        onMessage: (message) => {
          const signal = new MessageSignal(connection, message, options.telemetry.now());
          if (this.stopRequested) this.inbox.push(signal);
          else this.inbox.deliver(signal, this.handleNow);
        },
        onProtocolError: (error) => this.inbox.push({ kind: 'protocolError', connection, error }),
        onClose: (info) => this.inbox.push({ kind: 'closed', connection, info }),
      }),
    });
    const { opener, sink, continuity, input, tools, observers, mapper, transcript } = this;
    const link = new ConnectionSwitch({
      options,
      opener,
      sink,
      continuity,
      input,
      tools,
      observers,
      mapper,
      transcript,
      flushRecording: (reason) => this.flushRecording(reason),
      stopping: () => this.stopRequested,
      inputClosed: () => this.inputClosed,
    });
    this.link = link;
    this.recording = recordingFor(
      options,
      () => this.agent.name,
      (result) => this.inbox.push({ kind: 'recording', result }),
    );
    const { handleSave, recording } = this;
    const telemetry = options.telemetry;
    this.emission = new MessageEmission({
      mapper,
      sink,
      tools,
      continuity,
      handleSave,
      link,
      recording,
      telemetry,
    });
  }

  /** The agent speaking now. */
  private get agent(): LlmAgent {
    return this.link.agent;
  }

  /** The run's events, in order; ends when the run ends, failing with the run's error if any. */
  get output(): AsyncQueue<Event> {
    return this.sink.output;
  }

  /** Resolves once the run has ended (after `output` ended). */
  get finished(): Promise<void> {
    return this.processing ?? Promise.resolve();
  }

  /** Starts connecting and processing; events (and the final error, if any) arrive on `output`. */
  start(): void {
    this.options.queue.attach(this);
    if (this.processing === undefined) this.observers.runStart();
    this.processing ??= this.process();
  }

  /** Stops the run (caller left or it ended): aborts tools, closes the model, flushes the recorder. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping.abort();
    this.tools.abortAll();
    this.inbox.push({ kind: 'wake' });
    await this.processing;
  }

  private async process(): Promise<void> {
    let failure: unknown;
    try {
      const { opener, sink } = this;
      await openFirstConnection({
        ...this.options,
        opener,
        sink,
        adopt: (opened, prelude) => this.link.adopt(opened, -1, prelude),
      });
      // A suspended async function keeps its registers: `signal` is cleared before every wait so
      // a handled message does not live on (and get promoted to the old generation) until the next.
      let signal: RunSignal | undefined;
      while (!this.stopRequested) {
        signal = this.inbox.tryTake() ?? (await this.inbox.take()).value;
        if (signal === undefined) break;
        // What a message handled on arrival left is finished even when stopping.
        if (this.stopRequested && signal.kind !== 'handled') break;
        // Most signals (model audio) are handled without a promise: await only when one came back.
        const handled = this.handle(signal);
        signal = undefined;
        if (handled === true || (handled !== false && (await handled))) break;
        if (this.overflow !== undefined) throw this.overflow;
      }
    } catch (error) {
      failure = error;
    }
    await this.shutdown(failure);
  }

  /** Handles one signal; true when the run has finished normally (a promise only when it waited). */
  private handle(signal: RunSignal): HandleOutcome {
    if (signal.kind === 'handled') return signal.outcome;
    if (signal.kind !== 'message') return this.handleOther(signal);
    const { link } = this;
    if (signal.connection >= link.acceptFrom) {
      if (signal.connection === link.connectionId && !isSetupOnly(signal.message)) this.opener.proven();
      const handling = this.emission.handle(signal.message, signal.connection === link.connectionId);
      if (handling !== undefined) {
        return handling.then(() => {
          this.messageHandled(signal.receivedAt);
          return this.hasFinished();
        });
      }
      this.messageHandled(signal.receivedAt);
    }
    return this.hasFinished();
  }

  /** Added latency (server message → its events handed on), when telemetry is on. */
  private messageHandled(receivedAt: number): void {
    if (receivedAt !== 0) this.options.telemetry.messageHandled(receivedAt);
  }

  private async handleOther(signal: Exclude<RunSignal, { kind: 'message' | 'handled' }>): Promise<boolean> {
    switch (signal.kind) {
      case 'protocolError':
        if (signal.connection === this.link.connectionId) throw signal.error;
        break;
      case 'closed':
        this.options.telemetry.connectionClosed(signal.connection, signal.info);
        if (signal.connection === this.link.connectionId) await this.link.handleClose(signal.info);
        break;
      case 'userContent':
        await this.sink.emit(
          createEvent({ invocationId: this.options.invocationId, author: 'user', content: signal.content }),
        );
        break;
      case 'inputClosed':
        this.inputClosed = true;
        break;
      case 'toolsDone':
        await this.handleToolsDone(signal.batch, signal.outcome);
        break;
      case 'toolProgress':
        await this.sink.emit(progressEvent(this.options.invocationId, signal.batch, signal.response));
        break;
      case 'pluginError':
        await this.sink.emit(pluginErrorEvent(this.eventBase(), signal.error));
        break;
      case 'recording':
        await this.emitRecording(signal.result);
        break;
      case 'saveHandle':
        await saveUnsavedHandle(this.sink, this.eventBase());
        break;
      case 'failure':
        throw signal.error;
      case 'wake':
        break;
    }
    return this.hasFinished();
  }

  private hasFinished(): boolean {
    // Closing the queue ends the run once running tools are done; the server is not awaited.
    // Pending recorder flushes are awaited by the end of the run, within its time limit.
    const inputDone = this.inputClosed || (this.link.connectionGone && this.options.queue.isClosed);
    // A stream never ends on its own: the end of the input stops it (recorded as cancelled).
    if (inputDone && this.tools.inFlight > 0) this.tools.stopStreams();
    return inputDone && this.tools.inFlight === 0;
  }

  private async handleToolsDone(batch: ToolBatch, outcome: ToolBatchOutcome): Promise<void> {
    this.tools.settled(batch, outcome, this.link.current());
    const { recorded, actions } = outcome;
    if (recorded.length === 0) return;
    // A transfer asked for by an agent no longer speaking, or once the run is ending, is not made.
    const ending = this.stopRequested || this.options.queue.isClosed;
    const target =
      batch.agent === this.agent && !ending
        ? this.options.tree.transferTarget(this.agent, actions.transferToAgent)
        : undefined;
    if (target) {
      // What the old agent's turn said so far is finished before the handover is recorded.
      for (const event of this.mapper.finishTurn()) await this.sink.emit(event);
      actions.stateDelta[LIVE_RESUMPTION_HANDLE_KEY] = null;
      if (this.options.tree.hasTransfers) actions.stateDelta[LIVE_AGENT_KEY] = target.name;
    }
    await this.sink.emit(responseEvent(this.options.invocationId, batch, outcome));
    if (target) await this.link.transferTo(target);
  }

  private flushRecording(reason: AudioFlushReason): void {
    this.recording?.flush(reason);
  }

  private emitRecording(result: RecordingResult): Promise<void> {
    return emitRecordingResult(this.sink, this.eventBase(), result);
  }

  private afterSend(request: LiveRequest): void {
    // Still frames are sent, never recorded (the recorder takes audio).
    if (request.kind === 'realtime' && !isImageMime(request.blob.mimeType)) {
      this.recording?.record('input', request.blob);
      this.options.telemetry.audioIn(request.blob.mimeType, request.blob.data);
    }
    if (request.kind === 'content') this.inbox.push({ kind: 'userContent', content: request.content });
  }

  /** Ends the run: stop input and tools, close the model, then its last events (see `endRun`). */
  private async shutdown(failure: unknown): Promise<void> {
    this.stopping.abort();
    this.handleSave.cancel();
    this.input.stop();
    this.tools.abortAll();
    this.link.connection?.close();
    this.options.queue.detach(this);
    // Calls the stop cut short still get their (cancelled) answer in the session, before the last events.
    const { tools, inbox, sink } = this;
    await recordStoppedCalls({ tools, inbox, sink, invocationId: this.options.invocationId, failure });
    for (const signal of inbox.drain()) {
      if (signal.kind !== 'pluginError') inbox.push(signal);
      else sink.yieldOnly(pluginErrorEvent(this.eventBase(), signal.error));
    }
    const error = await endRun(failure, {
      sink: this.sink,
      recording: this.recording,
      invocationId: this.options.invocationId,
      agentName: this.agent.name,
      recorderFlushTimeoutMs: this.options.recorderFlushTimeoutMs,
      takeRecordings: () =>
        this.inbox.drain().flatMap((signal) => (signal.kind === 'recording' ? [signal.result] : [])),
      emitRecording: (result) => this.emitRecording(result),
    });
    for (const late of await this.observers.end(error))
      sink.yieldOnly(pluginErrorEvent(this.eventBase(), late));
    this.options.telemetry.end(error);
    this.inbox.close();
    if (error === undefined) this.output.close();
    else this.output.fail(error);
  }

  private eventBase() {
    return { invocationId: this.options.invocationId, author: this.agent.name };
  }
}
