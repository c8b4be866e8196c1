import type { Part } from '@google/genai';
import { isUserScopedFilename, validateNonNegativeInteger } from '../validation.js';
import type {
  ArtifactRequest,
  ArtifactScope,
  ArtifactService,
  LoadArtifactRequest,
  SaveArtifactRequest,
} from './artifact-service.js';
import { copyValue } from './copy-value.js';
import { getOrCreate } from './get-or-create.js';
import {
  validateArtifactRequest,
  validateArtifactScope,
  validateSaveArtifactRequest,
} from './request-validation.js';

type Files = Map<string, Part[]>;

/**
 * Artifacts in process memory: the embedded default and the reference semantics every other
 * backend matches. User-scoped (`user:`) files live in their own map, apart from every
 * session, so no session id can reach them.
 */
export class InMemoryArtifactService implements ArtifactService {
  /** app → user → session → filename → versions */
  private readonly sessionFiles = new Map<string, Map<string, Map<string, Files>>>();
  /** app → user → filename → versions */
  private readonly userFiles = new Map<string, Map<string, Files>>();

  async saveArtifact(request: SaveArtifactRequest): Promise<number> {
    const { artifact, ...req } = validateSaveArtifactRequest(request);
    const files = this.filesFor(req, req.filename, true);
    const versions = getOrCreate(files, req.filename, (): Part[] => []);
    versions.push(copyValue(artifact));
    return versions.length - 1;
  }

  async loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined> {
    const req = validateArtifactRequest(request);
    const version = validateNonNegativeInteger('version', request.version);
    const versions = this.filesFor(req, req.filename, false)?.get(req.filename);
    if (!versions || versions.length === 0) return undefined;
    const part = versions[version ?? versions.length - 1];
    return part === undefined ? undefined : copyValue(part);
  }

  async listArtifactKeys(request: ArtifactScope): Promise<string[]> {
    const { appName, userId, sessionId } = validateArtifactScope(request);
    const own = this.sessionFiles.get(appName)?.get(userId)?.get(sessionId)?.keys() ?? [];
    const shared = this.userFiles.get(appName)?.get(userId)?.keys() ?? [];
    return [...own, ...shared].sort();
  }

  async deleteArtifact(request: ArtifactRequest): Promise<void> {
    const req = validateArtifactRequest(request);
    this.filesFor(req, req.filename, false)?.delete(req.filename);
  }

  async listVersions(request: ArtifactRequest): Promise<number[]> {
    const req = validateArtifactRequest(request);
    const versions = this.filesFor(req, req.filename, false)?.get(req.filename) ?? [];
    return versions.map((_, i) => i);
  }

  private filesFor(scope: ArtifactScope, filename: string, create: true): Files;
  private filesFor(scope: ArtifactScope, filename: string, create: false): Files | undefined;
  private filesFor({ appName, userId, sessionId }: ArtifactScope, filename: string, create: boolean) {
    const newMap = () => new Map();
    if (isUserScopedFilename(filename)) {
      if (!create) return this.userFiles.get(appName)?.get(userId);
      return getOrCreate(getOrCreate(this.userFiles, appName, newMap), userId, newMap);
    }
    if (!create) return this.sessionFiles.get(appName)?.get(userId)?.get(sessionId);
    const users = getOrCreate(this.sessionFiles, appName, newMap);
    return getOrCreate(getOrCreate(users, userId, newMap), sessionId, newMap);
  }
}
