import type { Part } from '@google/genai';
import type { PageRequest } from './paging.js';

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
  /**
   * Kept with this version and returned by `listArtifactVersions`: a plain object stored as
   * its JSON form (what `JSON.parse(JSON.stringify(x))` gives back), at most
   * `MAX_CUSTOM_METADATA_BYTES` of JSON. Default `{}`.
   */
  customMetadata?: Record<string, unknown>;
}

export interface LoadArtifactRequest extends ArtifactRequest {
  /** The latest version when omitted. */
  version?: number;
}

/** What `listArtifactVersions` tells about one stored version. */
export interface ArtifactVersion {
  version: number;
  /** The part's `inlineData.mimeType`, or `TEXT_ARTIFACT_MIME_TYPE` for a `text` part. */
  mimeType: string;
  /** Bytes stored: the decoded base64 data, or the text's UTF-8 bytes. */
  sizeBytes: number;
  /** When the save stored it, ms since the epoch. */
  createTime: number;
  /** As saved (its JSON form); `{}` when the save passed none. */
  customMetadata: Record<string, unknown>;
}

/** A page of `listArtifactKeys`. */
export interface ListArtifactKeysPage {
  keys: string[];
  /** Set exactly when more may follow: pass it as `pageToken` for the next page. */
  nextPageToken?: string;
}

/** A page of `listVersions`, ascending. */
export interface ListVersionsPage {
  versions: number[];
  nextPageToken?: string;
}

/** A page of `listArtifactVersions`, ascending by version. */
export interface ListArtifactVersionsPage {
  versions: ArtifactVersion[];
  nextPageToken?: string;
}

/**
 * Where artifacts (recorded audio, files) live, versioned 0, 1, 2 … per filename.
 * Every backend has exactly the semantics of `InMemoryArtifactService`, proven by
 * `artifactServiceConformance` from `@earshot/testing/conformance`.
 *
 * Listings take an optional second argument `{pageSize, pageToken}`: without it they return
 * everything, as a plain array; with it (even `{}`) they return a page object whose
 * `nextPageToken` continues strictly after it. Versions page in ascending order; keys page in
 * the backend's storage order (each name once across the pages; only the unpaged listing is
 * guaranteed sorted).
 */
export interface ArtifactService {
  /** Stores a new version and returns its number; concurrent saves never share a version. */
  saveArtifact(request: SaveArtifactRequest): Promise<number>;
  /** The stored part, or `undefined` when the filename or version does not exist. */
  loadArtifact(request: LoadArtifactRequest): Promise<Part | undefined>;
  /** Filenames visible from the session (its own and the user's `user:` ones), sorted. */
  listArtifactKeys(request: ArtifactScope): Promise<string[]>;
  listArtifactKeys(request: ArtifactScope, page: PageRequest): Promise<ListArtifactKeysPage>;
  /** Removes every version. Deleting a missing artifact is a no-op. */
  deleteArtifact(request: ArtifactRequest): Promise<void>;
  /** Stored version numbers, ascending; empty when the artifact does not exist. */
  listVersions(request: ArtifactRequest): Promise<number[]>;
  listVersions(request: ArtifactRequest, page: PageRequest): Promise<ListVersionsPage>;
  /** Every stored version with its metadata, ascending; empty when the artifact does not exist. */
  listArtifactVersions(request: ArtifactRequest): Promise<ArtifactVersion[]>;
  listArtifactVersions(request: ArtifactRequest, page: PageRequest): Promise<ListArtifactVersionsPage>;
}
