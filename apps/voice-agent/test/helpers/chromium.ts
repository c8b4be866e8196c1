import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromiumLaunchOptions } from '@earshot/testing';
import { type Browser, chromium } from 'playwright-core';

const run = promisify(execFile);

/**
 * A 16 kHz mono PCM16 WAV of speech for the fake microphone: espeak-ng says `text`, sox converts it
 * and pads it with 0.2 s of silence (Chromium plays the file in a loop while the page holds the mic).
 */
export async function speechWav(dir: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const raw = join(dir, 'speech-raw.wav');
  const wav = join(dir, 'speech.wav');
  await run('espeak-ng', ['-w', raw, text]);
  await run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav, 'pad', '0', '0.2']);
  return wav;
}

/** Debian's Chromium (never a downloaded build), headless, with `wav` as the microphone. */
export function launchChromium(wav: string): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions({ microphoneWav: wav }));
}
