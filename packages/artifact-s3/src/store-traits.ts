import type { S3Objects } from './s3-objects.js';
import type { VersionZeroShortcut } from './save-version.js';

interface Traits {
  /** The store refuses a create-only write to an existing key (412). */
  createOnly: boolean;
  /** A lifecycle rule may expire objects under the prefix. */
  mayExpire: boolean;
}

/**
 * What the service learns about the store once, in the background, to pick the version-0
 * shortcut: never on a store that ignores `If-None-Match` (the write could overwrite version
 * 0), checked where lifecycle rules may expire old versions, unchecked otherwise. Until the
 * answers are in, saves list first (always safe).
 */
export class StoreTraits {
  private traits: Traits | undefined;
  private probing: Promise<void> | undefined;

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
      () => {
        this.probing = undefined; // could not tell (network): ask again on a later save
      },
    );
  }
}
