import { useEffect, useRef, useState } from 'preact/hooks';
import WaveSurfer from 'wavesurfer.js';

export interface Recording {
  /** The artifact filename, e.g. `live-audio/{invocation}/input-0.wav`. */
  file: string;
  kind: 'input' | 'output' | 'mixdown' | 'other';
  url: string;
}

const ORDER = { input: 0, output: 1, mixdown: 2, other: 3 };
const LABELS = {
  input: 'microphone (input)',
  output: 'model (output)',
  mixdown: 'stereo mixdown (user left, model right)',
  other: 'file',
};

/** The session's recordings, grouped by live run (invocation), each as a waveform player. */
export function Recordings({ recordings }: { recordings: Recording[] }) {
  const groups = new Map<string, Recording[]>();
  for (const r of recordings) {
    const group = r.file.split('/').slice(0, -1).join('/') || '(session)';
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  return (
    <section class="panel recordings" data-testid="recordings">
      <h2>Recordings</h2>
      {recordings.length === 0 && <p class="empty">No recordings yet: they appear when a turn ends.</p>}
      {[...groups]
        .sort(([, a], [, b]) => startOf(a) - startOf(b))
        .map(([group, items]) => (
          <div key={group} class="recording-group">
            <h3 class="mono">{group}</h3>
            {items
              .sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.file.localeCompare(b.file))
              .map((r) => (
                <WaveformPlayer key={r.url} recording={r} />
              ))}
          </div>
        ))}
    </section>
  );
}

/** When a run's recordings start: the earliest `…-{ms}.wav` among them (runs are shown oldest first). */
function startOf(items: Recording[]): number {
  return Math.min(
    ...items.map((r) => Number(/-(\d+)\.[a-z0-9]+$/.exec(r.file)?.[1] ?? Number.MAX_SAFE_INTEGER)),
  );
}

export function recordingKind(file: string): Recording['kind'] {
  const name = file.split('/').pop() ?? '';
  if (name.startsWith('input')) return 'input';
  if (name.startsWith('output')) return 'output';
  if (name.startsWith('mixdown')) return 'mixdown';
  return 'other';
}

function WaveformPlayer({ recording }: { recording: Recording }) {
  const container = useRef<HTMLDivElement>(null);
  const player = useRef<WaveSurfer | undefined>(undefined);
  const [status, setStatus] = useState<'loading' | 'ready' | 'playing' | 'error'>('loading');
  const [duration, setDuration] = useState(0);

  useEffect(() => {
    if (!container.current) return;
    const stereo = recording.kind === 'mixdown';
    const ws = WaveSurfer.create({
      container: container.current,
      url: recording.url,
      height: stereo ? 36 : 48,
      waveColor: recording.kind === 'output' ? '#10b981' : '#3b82f6',
      progressColor: '#1e3a8a',
      cursorColor: '#ef4444',
      normalize: true,
      ...(stereo ? { splitChannels: [{ waveColor: '#3b82f6' }, { waveColor: '#10b981' }] } : {}),
    });
    player.current = ws;
    ws.on('ready', (d) => {
      setDuration(d);
      setStatus('ready');
    });
    ws.on('play', () => setStatus('playing'));
    ws.on('pause', () => setStatus('ready'));
    ws.on('finish', () => setStatus('ready'));
    ws.on('error', () => setStatus('error'));
    return () => ws.destroy();
  }, [recording.url, recording.kind]);

  return (
    <div
      class={`player ${recording.kind}`}
      data-testid="recording"
      data-kind={recording.kind}
      data-status={status}
    >
      <button
        type="button"
        class="play"
        disabled={status === 'loading' || status === 'error'}
        onClick={() => void player.current?.playPause()}
        aria-label={status === 'playing' ? 'pause' : 'play'}
      >
        {status === 'playing' ? '❚❚' : '▶'}
      </button>
      <div class="player-body">
        <div class="player-label">
          {LABELS[recording.kind]} <span class="mono">{recording.file.split('/').pop()}</span>{' '}
          {status === 'error' ? 'could not load' : duration ? `${duration.toFixed(2)} s` : ''}
        </div>
        <div class="wave" ref={container} />
      </div>
    </div>
  );
}
