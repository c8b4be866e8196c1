import type { TranscriptLine } from '../lib/console-state.js';

export function Transcript({ lines }: { lines: TranscriptLine[] }) {
  return (
    <section class="panel transcript" data-testid="transcript">
      <h2>Transcript</h2>
      {lines.length === 0 && (
        <p class="empty">Nothing said yet. Hold the button or Space and speak, or type.</p>
      )}
      {lines.map((line) => (
        <div
          key={line.id}
          class={`line ${line.who} ${line.partial ? 'partial' : 'final'}`}
          data-testid={`line-${line.who}`}
          data-partial={String(line.partial)}
        >
          <span class="who">
            {line.who === 'user' ? (line.via === 'typed' ? 'you typed' : 'you') : 'agent'}
          </span>
          <span class="text">{line.text}</span>
          {line.partial && <span class="hint">…</span>}
        </div>
      ))}
    </section>
  );
}
