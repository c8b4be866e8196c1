// The README's example, run as written (imports resolve to the sources here).
import { InMemoryArtifactService } from '@earshot/core';
import { expect, it } from 'vitest';
import { AudioAggregator, parseArtifactUri, parseWav } from '../src/index.js';

it('README example: record two directions, flush, read the WAV back', async () => {
  const artifactService = new InMemoryArtifactService();
  const recorder = new AudioAggregator({ artifactService, mixdown: true });
  const scope = { appName: 'demo', userId: 'u1', sessionId: 's1', invocationId: 'e-1', agentName: 'helper' };

  const mic = Buffer.alloc(1280); // 40 ms of 16 kHz silence
  const speaker = Buffer.alloc(1920); // 40 ms of 24 kHz silence
  await recorder.record(scope, 'input', { data: mic.toString('base64'), mimeType: 'audio/pcm;rate=16000' });
  await recorder.record(scope, 'output', {
    data: speaker.toString('base64'),
    mimeType: 'audio/pcm;rate=24000',
  });

  const events = await recorder.flush(scope, 'turnComplete'); // one event per direction
  for (const event of events) {
    const { fileUri, mimeType } = event.content?.parts?.[0]?.fileData ?? {};
    const ref = parseArtifactUri(fileUri ?? '');
    const part = await artifactService.loadArtifact({
      ...scope,
      filename: ref?.filename ?? '',
      version: ref?.version,
    });
    const wav = parseWav(Buffer.from(part?.inlineData?.data ?? '', 'base64'));
    console.log(event.author, mimeType, ref?.filename, wav.sampleRate, wav.data.length);
    // user audio/wav live-audio/e-1/input-1718000000000.wav 16000 1280
    // helper audio/wav live-audio/e-1/output-1718000000000.wav 24000 1920
    expect(wav.data.length).toBe(event.author === 'user' ? 1280 : 1920);
  }
  const end = await recorder.flush(scope, 'end'); // nothing left to record, plus the stereo mixdown
  expect(end.map((e) => e.customMetadata?.direction)).toEqual(['mixdown']);
});
