/** Where Debian's `chromium` package installs the browser (the tests never download one). */
export const DEBIAN_CHROMIUM_PATH = '/usr/bin/chromium';

export interface ChromiumLaunchOptions {
  executablePath: string;
  args: string[];
}

/**
 * Launch options for Debian's Chromium, headless, for `playwright-core`'s `chromium.launch()`:
 * no sandbox (CI runs as root), none of Chromium's background connections (this network is
 * closed), and — with `microphoneWav` — a fake microphone that plays that WAV in a loop, with
 * permission prompts answered and audio allowed to play without a click.
 */
export function chromiumLaunchOptions(options: { microphoneWav?: string } = {}): ChromiumLaunchOptions {
  const args = [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (options.microphoneWav !== undefined) {
    args.push(
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${options.microphoneWav}`,
    );
  }
  return { executablePath: DEBIAN_CHROMIUM_PATH, args };
}
