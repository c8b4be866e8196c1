/**
 * Seconds of 16-bit mono PCM in a base64 `audio/pcm;rate=N` blob, from the lengths alone (no
 * decode). The rate of the last mime type seen is cached: a run's chunks share one or two.
 */
export class PcmSeconds {
  private mime = '';
  private rate = 0;

  of(mimeType: string | undefined, base64: string | undefined): number {
    if (!mimeType || !base64) return 0;
    if (mimeType !== this.mime) {
      this.mime = mimeType;
      this.rate = rateOf(mimeType);
    }
    if (this.rate === 0) return 0;
    const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
    const bytes = (base64.length * 3) / 4 - padding;
    return bytes / (2 * this.rate);
  }
}

const RATE = /^\s*audio\/pcm\s*(?:;.*?rate\s*=\s*(\d+))?/i;

/** The sample rate of a PCM mime type (16 kHz when it names none, as the API assumes); 0 for other audio. */
function rateOf(mimeType: string): number {
  const match = RATE.exec(mimeType);
  if (!match) return 0;
  const rate = match[1] === undefined ? 16_000 : Number(match[1]);
  return Number.isFinite(rate) && rate > 0 ? rate : 0;
}
