import {
  type ArtifactService,
  type AudioRecorder,
  createEvent,
  EarshotError,
  type Event,
  LiveConnectionError,
  type PersistencePolicy,
  type RunConfig,
  type Session,
  type SessionService,
} from '@earshot/core';
import type { Content, FunctionCall } from '@google/genai';
import { AsyncQueue } from './async-queue.js';
import { AudioRecording, type RecordingResult } from './audio-recording.js';
import { buildConnectConfig } from './connect-config.js';
import { EventSink, messageOf, PersistFailure } from './event-sink.js';
import { InputPump } from './input-pump.js';
import type { LiveCloseInfo, LiveConnection, LiveModelMessage } from './live-model.js';
import type { LiveRequest, LiveRequestQueue } from './live-request-queue.js';
import type { LlmAgent } from './llm-agent.js';
import { LiveMessageMapper } from './message-mapper.js';
import { createToolContext } from './tool-context.js';
import { type ToolBatchOutcome, ToolExecutor } from './tool-executor.js';

export interface LiveRunOptions {
  appName: string;
  session: Session;
  agent: LlmAgent;
  invocationId: string;
  runConfig: RunConfig;
  queue: LiveRequestQueue;
  sessionService: SessionService;
  artifactService: ArtifactService | undefined;
  audioRecorder: AudioRecorder | undefined;
  persistencePolicy: PersistencePolicy;
  toolTimeoutMs: number;
  connectTimeoutMs: number;
}

/** Everything the run reacts to, in one ordered inbox. `connection` tags socket signals. */
type RunSignal =
  | { kind: 'message'; connection: number; message: LiveModelMessage }
  | { kind: 'protocolError'; connection: number; error: Error }
  | { kind: 'closed'; connection: number; info: LiveCloseInfo }
  | { kind: 'userContent'; content: Content }
  | { kind: 'inputClosed' }
  | { kind: 'toolsDone'; outcome: ToolBatchOutcome }
  | { kind: 'recording'; result: RecordingResult }
  | { kind: 'failure'; error: unknown }
  | { kind: 'wake' };

/**
 * One `runLive` invocation. Socket callbacks, the input pump, tool completions and recorder
 * flushes only push signals into the inbox; a single processing loop turns them into events,
 * persists those the policy keeps, and hands every event to `output`, which the generator
 * yields from. The loop never waits for the consumer, so tool calls start and cancellations
 * land as messages arrive, whatever the caller is doing.
 */
export class LiveRun {
  private readonly options: LiveRunOptions;
  private readonly inbox = new AsyncQueue<RunSignal>();
  private readonly sink: EventSink;
  private readonly input: InputPump;
  private readonly mapper: LiveMessageMapper;
  private readonly tools: ToolExecutor;
  private readonly recording: AudioRecording | undefined;
  private agent: LlmAgent;
  private connection: LiveConnection | undefined;
  private connectionId = 0;
  private inputClosed = false;
  private stopRequested = false;
  private toolBatches = 0;
  private pendingFlushes = 0;
  private processing: Promise<void> | undefined;

  constructor(options: LiveRunOptions) {
    this.options = options;
    this.agent = options.agent;
    this.mapper = new LiveMessageMapper({
      invocationId: options.invocationId,
      agentName: options.agent.name,
    });
    this.tools = this.toolExecutorFor(options.agent);
    this.sink = new EventSink(options);
    this.input = new InputPump({
      queue: options.queue,
      onSent: (request) => this.afterSend(request),
      onInputClosed: () => this.inbox.push({ kind: 'inputClosed' }),
      onFailure: (error) => this.inbox.push({ kind: 'failure', error }),
    });
    const { audioRecorder, runConfig, appName, session, invocationId } = options;
    if (audioRecorder && runConfig.saveLiveAudio) {
      this.recording = new AudioRecording({
        recorder: audioRecorder,
        scope: () => ({
          appName,
          userId: session.userId,
          sessionId: session.id,
          invocationId,
          agentName: this.agent.name,
        }),
        onFlushed: (result) => this.inbox.push({ kind: 'recording', result }),
      });
    }
  }

  /** The run's events, in order; ends when the run ends, failing with the run's error if any. */
  get output(): AsyncQueue<Event> {
    return this.sink.output;
  }

  /** Starts connecting and processing; events (and the final error, if any) arrive on `output`. */
  start(): void {
    this.options.queue.attach(this);
    this.processing ??= this.process();
  }

  /** Stops the run (caller left or it ended): aborts tools, closes the model, flushes the recorder. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.inbox.push({ kind: 'wake' });
    await this.processing;
  }

  private async process(): Promise<void> {
    let failure: unknown;
    try {
      await this.openConnection();
      while (!this.stopRequested) {
        let signal = this.inbox.tryTake();
        if (signal === undefined) {
          const taken = await this.inbox.take();
          if (taken.done) break;
          signal = taken.value;
        }
        if (this.stopRequested || (await this.handle(signal))) break;
      }
    } catch (error) {
      failure = error;
    }
    await this.shutdown(failure);
  }

  private async openConnection(): Promise<void> {
    const id = ++this.connectionId;
    const { runConfig, connectTimeoutMs } = this.options;
    this.mapper.reset();
    this.connection = await this.agent.model.connect({
      config: buildConnectConfig({
        runConfig,
        agent: this.agent,
        sessionResumption: runConfig.sessionResumption,
      }),
      timeoutMs: connectTimeoutMs,
      listener: {
        onMessage: (message) => this.inbox.push({ kind: 'message', connection: id, message }),
        onProtocolError: (error) => this.inbox.push({ kind: 'protocolError', connection: id, error }),
        onClose: (info) => this.inbox.push({ kind: 'closed', connection: id, info }),
      },
    });
    this.input.connectTo(this.connection);
  }

  /** Handles one signal; true when the run has finished normally. */
  private async handle(signal: RunSignal): Promise<boolean> {
    switch (signal.kind) {
      case 'message':
        if (signal.connection === this.connectionId) await this.handleMessage(signal.message);
        break;
      case 'protocolError':
        if (signal.connection === this.connectionId) throw signal.error;
        break;
      case 'closed':
        if (signal.connection === this.connectionId) this.handleClose(signal.info);
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
        this.toolBatches -= 1;
        await this.emitToolResponses(signal.outcome);
        break;
      case 'recording':
        this.pendingFlushes -= 1;
        await this.emitRecording(signal.result);
        break;
      case 'failure':
        throw signal.error;
      case 'wake':
        break;
    }
    // Closing the queue ends the run once the work in flight is done; the server is not awaited.
    return this.inputClosed && this.toolBatches === 0 && this.pendingFlushes === 0;
  }

  private async handleMessage(message: LiveModelMessage): Promise<void> {
    const mapped = this.mapper.map(message);
    if (mapped.cancelledCallIds.length > 0) this.tools.cancel(mapped.cancelledCallIds);
    for (const { event, boundary, toolCalls } of mapped.events) {
      if (event.liveSessionResumptionUpdate)
        this.sink.noteResumptionUpdate(event.liveSessionResumptionUpdate);
      if (toolCalls) this.startTools(toolCalls);
      if (this.recording) {
        for (const part of event.content?.parts ?? []) {
          if (part.inlineData?.mimeType?.toLowerCase().startsWith('audio/')) {
            this.recording.record('output', part.inlineData);
          }
        }
      }
      const appending = this.sink.emit(event);
      if (appending) await appending;
      if (boundary && this.recording) {
        this.pendingFlushes += 1;
        this.recording.flush(boundary);
      }
    }
  }

  private handleClose(info: LiveCloseInfo): void {
    // Not a drop if the caller already closed the queue (its close may still be in the pump).
    if (info.closedByClient || this.inputClosed || this.options.queue.isClosed) return;
    // Issue 7 turns this into a reconnect when a resumption handle is known.
    const detail = info.reason ? `: ${info.reason}` : '';
    throw new LiveConnectionError(`live connection closed unexpectedly (code ${info.code})${detail}`, {
      closeCode: info.code,
      cause: info.error,
    });
  }

  private startTools(calls: FunctionCall[]): void {
    const connection = this.connection;
    this.toolBatches += 1;
    this.tools.run(calls).then(
      (outcome) => {
        // Answer the model as soon as the batch settles; the events follow through the inbox.
        try {
          if (outcome.responses.length > 0 && !this.stopRequested && connection && !connection.isClosed) {
            connection.sendToolResponse({ functionResponses: outcome.responses });
          }
          this.inbox.push({ kind: 'toolsDone', outcome });
        } catch (error) {
          this.inbox.push({ kind: 'failure', error });
        }
      },
      (error: unknown) => this.inbox.push({ kind: 'failure', error }),
    );
  }

  private async emitToolResponses({ responses, actions }: ToolBatchOutcome): Promise<void> {
    if (responses.length === 0) return;
    const parts = responses.map((functionResponse) => ({ functionResponse }));
    await this.sink.emit(
      createEvent({
        invocationId: this.options.invocationId,
        author: this.agent.name,
        content: { role: 'user', parts },
        actions,
      }),
    );
  }

  private async emitRecording({ events, errors }: RecordingResult): Promise<void> {
    for (const event of events) await this.sink.emit(event);
    for (const error of errors) {
      await this.sink.emit(this.errorEvent('AUDIO_RECORDING', `audio recording failed: ${messageOf(error)}`));
    }
  }

  private afterSend(request: LiveRequest): void {
    if (request.kind === 'realtime') this.recording?.record('input', request.blob);
    if (request.kind === 'content') this.inbox.push({ kind: 'userContent', content: request.content });
  }

  /** Ends the run: stop input and tools, close the model, flush the recorder, end `output`. */
  private async shutdown(failure: unknown): Promise<void> {
    this.input.stop();
    this.tools.abortAll();
    this.connection?.close();
    this.options.queue.detach(this);
    // After a failed append nothing more is appended: what is left is only yielded.
    const storeFailed = failure instanceof PersistFailure;
    let error = storeFailed ? (failure as PersistFailure).error : failure;
    if (error !== undefined) {
      const errorEvent = this.errorEvent(codeOf(error), messageOf(error));
      // The run's error stays the original one even if appending its error event fails too.
      if (storeFailed) this.sink.yieldOnly(errorEvent);
      else await this.emitOrYield(errorEvent);
    }
    if (this.recording) {
      this.recording.flush('end');
      await this.recording.settled();
      for (const signal of this.inbox.drain()) {
        if (signal.kind !== 'recording') continue;
        if (storeFailed) for (const event of signal.result.events) this.sink.yieldOnly(event);
        else error = await this.emitOrFail(() => this.emitRecording(signal.result), error);
      }
    }
    this.inbox.close();
    if (error === undefined) this.output.close();
    else this.output.fail(error);
  }

  /** Emits the run's error event; if even that cannot be appended, it is still yielded. */
  private async emitOrYield(event: Event): Promise<void> {
    try {
      await this.sink.emit(event);
    } catch {
      this.sink.yieldOnly(event);
    }
  }

  /** Emits recording events during shutdown; a failed append becomes the run's error if it had none. */
  private async emitOrFail(emitting: () => Promise<void>, error: unknown): Promise<unknown> {
    try {
      await emitting();
      return error;
    } catch (thrown) {
      if (error !== undefined) return error;
      const failure = thrown instanceof PersistFailure ? thrown.error : thrown;
      this.sink.yieldOnly(this.errorEvent(codeOf(failure), messageOf(failure)));
      return failure;
    }
  }

  private errorEvent(errorCode: string, errorMessage: string): Event {
    return createEvent({
      invocationId: this.options.invocationId,
      author: this.agent.name,
      errorCode,
      errorMessage,
    });
  }

  private toolExecutorFor(agent: LlmAgent): ToolExecutor {
    const { appName, session, invocationId, artifactService, toolTimeoutMs } = this.options;
    return new ToolExecutor({
      tools: agent.tools,
      defaultTimeoutMs: toolTimeoutMs,
      makeContext: ({ call, toolName, signal }) =>
        createToolContext({
          toolName,
          functionCallId: call.id,
          invocationId,
          agentName: agent.name,
          appName,
          userId: session.userId,
          sessionId: session.id,
          signal,
          sessionState: session.state,
          artifactService,
        }),
    });
  }
}

function codeOf(error: unknown): string {
  return error instanceof EarshotError ? error.code : 'INTERNAL';
}
