import { LiveProtocolError } from '@earshot/core';
import type { LiveModelMessage } from '../connection/live-model.js';

/*
 * Checks the shape of the fields the runner reads, before any of them is turned into an event,
 * so a malformed message never produces half of its events. Unknown fields are ignored (the
 * service adds fields over time); known fields with the wrong type are protocol errors.
 */

type Shape = 'object' | 'array' | 'string' | 'boolean';

function shapeOf(value: unknown): Shape | 'other' {
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object') return 'object';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return 'other';
}

function expect(path: string, value: unknown, shape: Shape, optional = true): void {
  // Absent or null (protobuf JSON may spell "unset" either way) is fine for an optional field.
  if ((value === undefined || value === null) && optional) return;
  if (shapeOf(value) !== shape) {
    throw new LiveProtocolError(
      `malformed server message: ${path} must be ${shape === 'array' ? 'an' : 'a'} ${shape}`,
    );
  }
}

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? Reflect.get(value, key) : undefined;

function checkTranscription(path: string, value: unknown): void {
  expect(path, value, 'object');
  expect(`${path}.text`, field(value, 'text'), 'string');
  expect(`${path}.finished`, field(value, 'finished'), 'boolean');
}

function checkServerContent(content: unknown): void {
  expect('serverContent', content, 'object');
  if (content === undefined || content === null) return;
  const modelTurn = field(content, 'modelTurn');
  expect('serverContent.modelTurn', modelTurn, 'object');
  const parts = field(modelTurn, 'parts');
  expect('serverContent.modelTurn.parts', parts, 'array');
  if (Array.isArray(parts)) {
    parts.forEach((part: unknown, index) => {
      const path = `serverContent.modelTurn.parts[${index}]`;
      expect(path, part, 'object', false);
      expect(`${path}.text`, field(part, 'text'), 'string');
      const inlineData = field(part, 'inlineData');
      expect(`${path}.inlineData`, inlineData, 'object');
      if (inlineData !== undefined && inlineData !== null)
        expect(`${path}.inlineData.data`, field(inlineData, 'data'), 'string', false);
    });
  }
  checkTranscription('serverContent.inputTranscription', field(content, 'inputTranscription'));
  checkTranscription('serverContent.outputTranscription', field(content, 'outputTranscription'));
  for (const flag of ['turnComplete', 'interrupted', 'generationComplete']) {
    expect(`serverContent.${flag}`, field(content, flag), 'boolean');
  }
}

function checkToolCall(toolCall: unknown): void {
  expect('toolCall', toolCall, 'object');
  if (toolCall === undefined || toolCall === null) return;
  const calls = field(toolCall, 'functionCalls');
  expect('toolCall.functionCalls', calls, 'array', false);
  (calls as unknown[]).forEach((call, index) => {
    const path = `toolCall.functionCalls[${index}]`;
    expect(path, call, 'object', false);
    expect(`${path}.name`, field(call, 'name'), 'string', false);
    expect(`${path}.id`, field(call, 'id'), 'string');
    expect(`${path}.args`, field(call, 'args'), 'object');
  });
}

/** Throws `LiveProtocolError` when a field the runner reads has the wrong shape. */
export function assertWellFormedMessage(message: LiveModelMessage): void {
  expect('message', message, 'object', false);
  checkServerContent(message.serverContent);
  checkToolCall(message.toolCall);
  const cancellation = message.toolCallCancellation;
  expect('toolCallCancellation', cancellation, 'object');
  if (cancellation !== undefined && cancellation !== null) {
    const ids = field(cancellation, 'ids');
    expect('toolCallCancellation.ids', ids, 'array', false);
    (ids as unknown[]).forEach((id, index) => {
      expect(`toolCallCancellation.ids[${index}]`, id, 'string', false);
    });
  }
  expect('usageMetadata', message.usageMetadata, 'object');
  const update = message.sessionResumptionUpdate;
  expect('sessionResumptionUpdate', update, 'object');
  expect('sessionResumptionUpdate.newHandle', field(update, 'newHandle'), 'string');
  expect('sessionResumptionUpdate.resumable', field(update, 'resumable'), 'boolean');
  expect('goAway', message.goAway, 'object');
}
