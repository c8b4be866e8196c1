import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleServer } from '../src/index.js';
import { launchChromium, speechWav } from './helpers/chromium.js';
import { startTestConsole } from './helpers/test-console.js';

/** Screenshots of every step (gitignored): look at them after a change to the console. */
const OUT = fileURLToPath(new URL('../test-output/console/', import.meta.url));
const TOKEN = 'e2e-console-token';

/**
 * Runs in the page (as source: this file is type-checked for Node): records every state a
 * transcript line goes through, `line-user|true|What time`, so the test sees the partial
 * before the final that replaced it.
 */
const RECORD_TRANSCRIPT_STATES = `
  const seen = (window.transcriptSeen = []);
  new MutationObserver(() => {
    for (const line of document.querySelectorAll('[data-testid^="line-"]')) {
      const text = line.querySelector('.text')?.textContent;
      const entry = line.getAttribute('data-testid') + '|' + line.getAttribute('data-partial') + '|' + text;
      if (!seen.includes(entry)) seen.push(entry);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
`;

describe('the console in a real browser', () => {
  let app: ConsoleServer;
  let close: (() => Promise<void>) | undefined;
  let browser: Browser;
  let base: string;
  const errors: string[] = [];
  const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });

  beforeAll(async () => {
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    const wav = await speechWav(OUT, 'What time is it?');
    ({ app, close } = await startTestConsole({
      token: TOKEN,
      log: (line) => errors.push(line),
      stack: { fakeReplyMs: 1_200 },
    }));
    base = app.url.replace(/\?.*$/, '');
    browser = await launchChromium(wav);
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it('talks, shows, plays back, resumes, refuses a wrong token and notices the server going away', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    // Every state a transcript line goes through, to see the partial before its final.
    await page.addInitScript(RECORD_TRANSCRIPT_STATES);

    // 1. The console opens with the token: connected, on the offline scripted model.
    await page.goto(app.url);
    await page.getByTestId('connection-state').filter({ hasText: 'connected' }).waitFor();
    await expect
      .poll(() => page.getByTestId('offline-badge').textContent())
      .toMatch(/OFFLINE SCRIPTED MODEL/);
    await expect.poll(() => new URL(page.url()).searchParams.get('session')).toBeTruthy();
    const sessionId = new URL(page.url()).searchParams.get('session') as string;
    expect(await page.getByTestId('session-id').textContent()).toBe(sessionId);
    await shot(page, '01-connected');

    // 2. Hold Space for ~2 s: the microphone is heard (the meter moves), then the turn ends.
    await page.keyboard.down('Space');
    await expect.poll(() => page.getByTestId('talk').textContent()).toMatch(/Listening/);
    let loudest = 0;
    const held = Date.now();
    while (Date.now() - held < 2_000) {
      const style = (await page.locator('.meter-fill').getAttribute('style')) ?? '';
      loudest = Math.max(loudest, Number.parseInt(/width:\s*(\d+)/.exec(style)?.[1] ?? '0', 10));
      if (loudest > 0 && Date.now() - held > 1_000) await shot(page, '02-holding-space');
      await page.waitForTimeout(100);
    }
    await page.keyboard.up('Space');
    expect(loudest).toBeGreaterThan(0);

    // 3. Partial then final transcript, the tool call and its result, the model's reply.
    const finalUser = page.locator('[data-testid="line-user"][data-partial="false"]');
    await finalUser.filter({ hasText: 'What time is it?' }).waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="timeline-row"][data-kind="tool call"]').waitFor();
    await page.locator('[data-testid="timeline-row"][data-kind="tool result"]').waitFor();
    const reply = page
      .locator('[data-testid="line-model"][data-partial="false"]')
      .filter({ hasText: /It is .* UTC/ });
    await reply.waitFor({ timeout: 15_000 });
    const seen = (await page.evaluate('window.transcriptSeen')) as string[];
    const userPartial = seen.indexOf('line-user|true|What time');
    const userFinal = seen.indexOf('line-user|false|What time is it?');
    expect(userPartial).toBeGreaterThanOrEqual(0);
    expect(userFinal).toBeGreaterThan(userPartial);
    expect(seen.some((s) => s.startsWith('line-model|true|'))).toBe(true);
    await shot(page, '03-turn-answered');

    // 4. The recordings appear as waveform players; play the microphone one.
    const input = page.locator('[data-testid="recording"][data-kind="input"]').first();
    await input.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 15_000 });
    await page
      .locator('[data-testid="recording"][data-kind="output"][data-status="ready"]')
      .first()
      .waitFor();
    await input.locator('button.play').click();
    await input.and(page.locator('[data-status="playing"]')).waitFor({ timeout: 5_000 });
    await shot(page, '04-recording-playing');
    await input.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 10_000 });

    // 5. Typed text is sent as text and shown as typed; the event JSON opens on a click.
    await page.getByTestId('text-input').fill('hello console');
    await page.getByTestId('text-input').press('Enter');
    await page.locator('[data-testid="line-user"]').filter({ hasText: 'hello console' }).waitFor();
    expect(
      await page
        .locator('[data-testid="line-user"]')
        .filter({ hasText: 'hello console' })
        .locator('.who')
        .textContent(),
    ).toBe('you typed');
    await page
      .locator('[data-testid="line-model"][data-partial="false"]')
      .filter({ hasText: 'You typed "hello console"' })
      .waitFor();
    expect(await page.getByText('What time is it?', { exact: false }).count()).toBeGreaterThan(0);
    await page.locator('[data-testid="timeline-row"][data-kind="tool call"]').first().click();
    expect(await page.getByTestId('event-json').textContent()).toMatch(/"functionCall"/);
    await shot(page, '05-typed-and-event-json');

    // 6. /?session=ID in a new page shows the session's history (the first page is replaced).
    const resumed = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    resumed.on('pageerror', (error) => errors.push(`resumed page: ${error.message}`));
    await resumed.goto(`${base}?token=${TOKEN}&session=${encodeURIComponent(sessionId)}`);
    await resumed.getByTestId('connection-state').filter({ hasText: 'connected' }).waitFor();
    expect(await resumed.getByTestId('session-id').textContent()).toBe(sessionId);
    await resumed.locator('[data-testid="line-user"]').filter({ hasText: 'What time is it?' }).waitFor();
    await resumed.locator('[data-testid="line-user"]').filter({ hasText: 'hello console' }).waitFor();
    await resumed
      .locator('[data-testid="line-model"]')
      .filter({ hasText: 'You typed "hello console"' })
      .waitFor();
    expect(
      await resumed.locator('[data-testid="timeline-row"]').filter({ hasText: 'history' }).count(),
    ).toBeGreaterThan(3);
    // The first run ended when the page was replaced: its stereo mixdown is among the recordings.
    await resumed
      .locator('[data-testid="recording"][data-kind="mixdown"][data-status="ready"]')
      .first()
      .waitFor({ timeout: 15_000 });
    await resumed.getByTestId('session-list').getByText(sessionId).waitFor();
    // The model resumed too: the scripted model only continues its turn count from its own handle.
    await resumed.getByTestId('text-input').fill('still there?');
    await resumed.getByTestId('text-input').press('Enter');
    await resumed
      .locator('[data-testid="line-model"][data-partial="false"]')
      .filter({ hasText: 'You typed "still there?"' })
      .filter({ hasText: '(turn 3)' })
      .waitFor();
    await page.getByTestId('connection-banner').waitFor();
    await shot(resumed, '06-resumed-history');
    await shot(page, '06b-first-page-replaced');

    // 7. A wrong token is refused.
    const refused = await browser.newPage();
    const response = await refused.goto(`${base}?token=wrong-token&session=${sessionId}`);
    expect(response?.status()).toBe(401);
    expect(await refused.textContent('h1')).toBe('Access token needed');
    await shot(refused, '07-wrong-token');

    // 8. The server stops: the page says so and sending is disabled.
    await app.close();
    await resumed
      .getByTestId('connection-banner')
      .filter({ hasText: 'Disconnected from the server' })
      .waitFor({ timeout: 20_000 });
    expect(await resumed.getByTestId('talk').isDisabled()).toBe(true);
    expect(await resumed.getByTestId('text-input').isDisabled()).toBe(true);
    expect(await resumed.getByTestId('send').isDisabled()).toBe(true);
    await shot(resumed, '08-server-stopped');

    expect(errors.filter((e) => e.startsWith('page') || e.startsWith('resumed'))).toEqual([]);
  }, 120_000);
});
