import type { LiveModelMessage } from '../connection/live-model.js';
import type { HandleSaveTimer } from '../continuity/handle-save-timer.js';
import type { InputContinuity } from '../continuity/input-continuity.js';
import { noteModelOutput, type RunTelemetry } from '../telemetry/run-telemetry.js';
import type { LiveTools } from '../tools/tool-batches.js';
import type { AudioRecording } from './audio-recording.js';
import type { ConnectionSwitch } from './connection-switch.js';
import type { EventSink } from './event-sink.js';
import type { LiveMessageMapper, MappedEvent } from './message-mapper.js';

export interface MessageEmissionParts {
  mapper: LiveMessageMapper;
  sink: EventSink;
  tools: LiveTools;
  continuity: InputContinuity;
  handleSave: HandleSaveTimer;
  link: ConnectionSwitch;
  recording: AudioRecording | undefined;
  telemetry: RunTelemetry;
}

/**
 * One server message, from the mapper to the sink: resumption handles confirm input, tool calls
 * start, audio goes to the recorder, turn signals flush it, and a `goAway` moves the run to a
 * new connection. Synchronous unless an event is appended or the connection is replaced.
 */
export class MessageEmission {
  constructor(private readonly parts: MessageEmissionParts) {}

  /** Undefined when nothing had to be awaited (no append, no reconnect): the common case. */
  handle(message: LiveModelMessage, fromCurrent: boolean): Promise<void> | undefined {
    const mapped = this.parts.mapper.map(message);
    if (mapped.cancelledCallIds.length > 0) this.parts.tools.cancel(mapped.cancelledCallIds);
    return this.emit(mapped.events, 0, message, fromCurrent);
  }

  /** Emits `events` from `from` on, in order, waiting only where an event is appended. */
  private emit(
    events: MappedEvent[],
    from: number,
    message: LiveModelMessage,
    fromCurrent: boolean,
  ): Promise<void> | undefined {
    const { sink, link, recording } = this.parts;
    for (let index = from; index < events.length; index++) {
      const { event, boundary, toolCalls } = events[index] as MappedEvent;
      // A handle from a connection already replaced would roll back what the new one did.
      const update = event.liveSessionResumptionUpdate;
      if (update && fromCurrent && sink.noteResumptionUpdate(update)) {
        this.parts.continuity.confirmed(link.connectionId, update);
        this.parts.handleSave.start();
      }
      // Calls from a connection being replaced cannot be answered on it any more.
      if (toolCalls) {
        const origin = fromCurrent ? link.connection : undefined;
        const generation = sink.handleGeneration;
        this.parts.tools.start(toolCalls, { agent: link.agent, origin, generation, answered: false });
      }
      recording?.recordModelAudio(event);
      noteModelOutput(this.parts.telemetry, event);
      const appending = sink.emit(event);
      if (appending) {
        return appending.then(() => {
          if (boundary) recording?.flush(boundary);
          return this.emit(events, index + 1, message, fromCurrent);
        });
      }
      if (boundary) recording?.flush(boundary);
    }
    if (!fromCurrent) return undefined;
    // goAway: move to a new connection at once; without a handle yet, as soon as one arrives.
    if (message.goAway) link.goAwayPending = true;
    if (link.goAwayPending && sink.resumptionHandle !== undefined && link.mayReconnect()) {
      return link.replaceConnection();
    }
    return undefined;
  }
}
