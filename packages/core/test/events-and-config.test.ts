import { Modality } from '@google/genai';
import { describe, expect, it } from 'vitest';
import {
  applyStateDelta,
  createEvent,
  createRunConfig,
  EarshotError,
  NotFoundError,
  newInvocationId,
  StorageError,
  splitStateDelta,
  stateScopeOf,
  withoutTempKeys,
} from '../src/index.js';

describe('createEvent', () => {
  it('fills a UUID id, a timestamp and empty actions', () => {
    const before = Date.now();
    const event = createEvent({ author: 'agent', invocationId: 'e-1' });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.timestamp).toBeGreaterThanOrEqual(before);
    expect(event.actions).toEqual({ stateDelta: {}, artifactDelta: {} });
    expect(createEvent({ author: 'a' }).id).not.toBe(event.id);
  });

  it('keeps given fields and copies the action maps', () => {
    const stateDelta = { k: 1 };
    const event = createEvent({
      author: 'user',
      id: 'x',
      timestamp: 5,
      actions: { stateDelta, escalate: true },
    });
    expect(event).toMatchObject({
      id: 'x',
      timestamp: 5,
      author: 'user',
      actions: { stateDelta: { k: 1 }, escalate: true },
    });
    stateDelta.k = 2;
    expect(event.actions.stateDelta.k).toBe(1);
  });

  it('invocation ids are unique and prefixed', () => {
    expect(newInvocationId()).toMatch(/^e-[0-9a-f-]{36}$/);
    expect(newInvocationId()).not.toBe(newInvocationId());
  });
});

describe('state scopes', () => {
  it('classifies keys by prefix', () => {
    expect(['app:x', 'user:x', 'temp:x', 'x', 'apps:x'].map(stateScopeOf)).toEqual([
      'app',
      'user',
      'temp',
      'session',
      'session',
    ]);
  });
  it('splits a delta and drops temp: and undefined values', () => {
    expect(splitStateDelta({ 'app:a': 1, 'user:u': 2, 'temp:t': 3, s: 4, gone: undefined })).toEqual({
      app: { 'app:a': 1 },
      user: { 'user:u': 2 },
      session: { s: 4 },
    });
    expect(withoutTempKeys({ 'temp:t': 1, k: null })).toEqual({ k: null });
  });
  it('null deletes, undefined is ignored', () => {
    const state: Record<string, unknown> = { a: 1, b: 2 };
    applyStateDelta(state, { a: null, b: undefined, c: 3 });
    expect(state).toEqual({ b: 2, c: 3 });
  });
});

describe('createRunConfig', () => {
  it('defaults to audio responses with recording off', () => {
    expect(createRunConfig()).toEqual({ responseModalities: [Modality.AUDIO], saveLiveAudio: false });
  });
  it('never shares nested objects with the caller’s config', () => {
    const init = { speechConfig: { languageCode: 'en-US' }, responseModalities: [Modality.TEXT] };
    const config = createRunConfig(init);
    config.speechConfig!.languageCode = 'fr-FR';
    config.responseModalities.push(Modality.AUDIO);
    expect(init).toEqual({ speechConfig: { languageCode: 'en-US' }, responseModalities: [Modality.TEXT] });
  });
});

describe('typed errors', () => {
  it('carry a stable code, their class name and the cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new StorageError('write failed', { cause });
    expect(error).toBeInstanceOf(EarshotError);
    expect(error.code).toBe('STORAGE');
    expect(error.name).toBe('StorageError');
    expect(error.cause).toBe(cause);
    expect(new NotFoundError('x').code).toBe('NOT_FOUND');
  });
});
