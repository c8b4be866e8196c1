import { InvalidArgumentError } from '../errors.js';
import type { Event } from '../events.js';
import {
  validateFilename,
  validateFiniteNumber,
  validateId,
  validateNonNegativeInteger,
} from '../validation.js';
import { validateCustomMetadata } from './artifact-listing.js';
import type { ArtifactRequest, ArtifactScope, SaveArtifactRequest } from './artifact-service.js';
import type { AppendEventRequest, GetSessionConfig, SessionKey } from './session-service.js';

/**
 * Request validation shared by every backend, so all of them reject the same input with
 * the same `InvalidArgumentError` before touching storage.
 */
export function validateSessionKey(request: SessionKey): SessionKey {
  return {
    appName: validateId('appName', request?.appName),
    userId: validateId('userId', request?.userId),
    sessionId: validateId('sessionId', request?.sessionId),
  };
}

export function validateUserKey(request: { appName: string; userId: string }): {
  appName: string;
  userId: string;
} {
  return { appName: validateId('appName', request?.appName), userId: validateId('userId', request?.userId) };
}

export function validateGetSessionConfig(config: GetSessionConfig | undefined): GetSessionConfig {
  return {
    numRecentEvents: validateNonNegativeInteger('config.numRecentEvents', config?.numRecentEvents),
    afterTimestamp: validateFiniteNumber('config.afterTimestamp', config?.afterTimestamp),
  };
}

export function validateState(field: string, state: unknown): Record<string, unknown> {
  if (state === undefined) return {};
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new InvalidArgumentError(`${field} must be a plain object`, { field });
  }
  return state as Record<string, unknown>;
}

export function validateEvent(event: Event): Event {
  if (event === null || typeof event !== 'object') {
    throw new InvalidArgumentError('event must be an object', { field: 'event' });
  }
  validateId('event.id', event.id);
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
    throw new InvalidArgumentError('event.timestamp must be a finite number (ms since epoch)', {
      field: 'event.timestamp',
    });
  }
  if (typeof event.author !== 'string') {
    throw new InvalidArgumentError('event.author must be a string', { field: 'event.author' });
  }
  if (!event.actions || typeof event.actions !== 'object') {
    throw new InvalidArgumentError('event.actions must be an object', { field: 'event.actions' });
  }
  validateState('event.actions.stateDelta', event.actions.stateDelta);
  return event;
}

/**
 * Validates an `appendEvent` request at the edge: the event, then the passed session's key.
 * Returns `undefined` for a partial event, which every backend returns unstored.
 */
export function validateAppendRequest({ session, event }: AppendEventRequest): SessionKey | undefined {
  validateEvent(event);
  if (event.partial) return undefined;
  return validateSessionKey({ appName: session?.appName, userId: session?.userId, sessionId: session?.id });
}

export function validateArtifactScope(request: ArtifactScope): ArtifactScope {
  return validateSessionKey(request);
}

export function validateArtifactRequest(request: ArtifactRequest): ArtifactRequest {
  return { ...validateSessionKey(request), filename: validateFilename(request?.filename) };
}

/**
 * An artifact must be an `inlineData` part with base64 data and a mime type, or a `text` part;
 * the returned `customMetadata` is its stored (JSON) form, `{}` when none was given.
 */
export function validateSaveArtifactRequest(request: SaveArtifactRequest): SaveArtifactRequest {
  const base = validateArtifactRequest(request);
  const part = request.artifact;
  if (!part || typeof part !== 'object') {
    throw new InvalidArgumentError('artifact must be a Part', { field: 'artifact' });
  }
  if (part.inlineData !== undefined) {
    const { data, mimeType } = part.inlineData;
    if (typeof data !== 'string') {
      throw new InvalidArgumentError('artifact.inlineData.data must be a base64 string', {
        field: 'artifact.inlineData.data',
      });
    }
    if (typeof mimeType !== 'string' || mimeType.length === 0) {
      throw new InvalidArgumentError('artifact.inlineData.mimeType must be a non-empty string', {
        field: 'artifact.inlineData.mimeType',
      });
    }
  } else if (typeof part.text !== 'string') {
    throw new InvalidArgumentError('artifact must have inlineData or text', { field: 'artifact' });
  }
  return { ...base, artifact: part, customMetadata: validateCustomMetadata(request.customMetadata) };
}
