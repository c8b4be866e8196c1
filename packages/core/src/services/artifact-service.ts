import type { Part } from '@google/genai';

export interface ArtifactScope {
  appName: string;
  userId: string;
  sessionId: string;
}

export interface ArtifactRequest extends ArtifactScope {
  /** A filename starting with `user:` is scoped to the user across all their sessions. */
  filename: string;
}

export interface SaveArtifactRequest extends ArtifactRequest {
  /** An `inlineData` part (base64 `data` + `mimeType`) or a `text` part. */
  artifact: Part;
}

export interface LoadArtifactRequest extends ArtifactRequest {
  /** The latest version when omitted. */
  version?: number;
}

/**
 * Where artifacts (recorded audio, files) live, versioned 0, 1, 2 … per filename.
 * Every backend has exactly the semantics of `InMemoryArtifactService`, proven by
 * `artifactServiceConformance` from `@earshot/testing/conformance`.
 */
export interface ArtifactService {
  /** Stores a new version and returns its number; concurrent saves never share a version. */
  saveArtifact(request: SaveArtifactRequest): Promise<number>;
  /** The stored part, or `undefined` when the filename or version does not exist. */
  loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined>;
  /** Filenames visible from the session (its own and the user's `user:` ones), sorted. */
  listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  /** Removes every version. Deleting a missing artifact is a no-op. */
  deleteArtifact(request: ArtifactRequest): Promise<void>;
  /** Stored version numbers, ascending; empty when the artifact does not exist. */
  listVersions(request: ArtifactRequest): Promise<number[]>;
}
