import { StorageError } from '@earshot/core';
import type { S3Objects } from './s3-objects.js';
import type { VersionZeroShortcut } from './save-version.js';

interface Traits {
  /** The store refuses a create-only write to an existing key (412). */
  createOnly: boolean;
  /** A lifecycle rule may expire objects under the prefix. */
  mayExpire: boolean;
}

/**
 * What the service learns about the store once: whether it honours `If-None-Match` on
 * `PutObject` (saves wait for that answer and are refused without it), and whether lifecycle
 * rules may expire old versions, which picks the version-0 shortcut: checked where they may,
 * unchecked otherwise, never where create-only writes do not hold. Until the answers are in,
 * `shortcut()` says list first (always safe).
 */
export class StoreTraits {
  private traits: Traits | undefined;
  private probing: Promise<void> | undefined;
  private probeError: unknown;

  constructor(
    private readonly options: {
      objects: S3Objects;
      prefix: string;
      probeKey: () => string;
      assumeCreateOnly: boolean;
    },
  ) {}

  shortcut(): VersionZeroShortcut {
    if (this.traits === undefined) {
      this.probe();
      return 'off';
    }
    if (!this.traits.createOnly) return 'off';
    return this.traits.mayExpire ? 'checked' : 'unchecked';
  }

  /**
   * Resolves once the store is known to refuse a create-only `PutObject` to an existing key:
   * the one condition version allocation relies on. A store that ignores it is a
   * `StorageError` (concurrent saves could overwrite each other), so is a probe that failed
   * (asked again on the next save). Only the first save of an instance waits for the probe.
   */
  async requireCreateOnly(): Promise<void> {
    if (this.traits === undefined) {
      this.probe();
      await this.probing;
    }
    if (this.traits === undefined) throw this.probeError;
    if (!this.traits.createOnly) {
      throw new StorageError(
        `the S3 store does not honour If-None-Match: * on PutObject (the probe ${this.options.prefix}!probe/… was overwritten), ` +
          'so concurrent saves could overwrite each other; S3ArtifactService refuses to save there. ' +
          "Use a store that enforces conditional writes (AWS S3, Ceph RGW, MinIO, R2), or conditionalWrites: 'assume' if you know it does.",
      );
    }
  }

  /** Resolves once the probes started by `shortcut()` have answered (or failed). */
  async settled(): Promise<void> {
    await this.probing;
  }

  private probe(): void {
    if (this.probing) return;
    const { objects, prefix, probeKey, assumeCreateOnly } = this.options;
    this.probing = Promise.all([
      assumeCreateOnly || objects.probeCreateOnly(probeKey()),
      objects.mayExpire(prefix),
    ]).then(
      ([createOnly, mayExpire]) => {
        this.traits = { createOnly, mayExpire };
      },
      (error: unknown) => {
        this.probeError = error;
        this.probing = undefined; // could not tell (network): ask again on a later save
      },
    );
  }
}
