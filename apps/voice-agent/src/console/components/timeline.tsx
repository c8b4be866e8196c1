import { useState } from 'preact/hooks';
import type { TimelineEntry } from '../lib/console-state.js';

/** `HH:MM:SS.mmm` local time (by hand: Intl's fractional seconds render inconsistently). */
function time(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Every event: when, who, what, which persistence rule applied and whether it was stored. Click for the JSON. */
export function Timeline({ entries, truncated }: { entries: TimelineEntry[]; truncated: boolean }) {
  const [open, setOpen] = useState<number | undefined>(undefined);
  return (
    <section class="panel timeline" data-testid="timeline">
      <h2>Events</h2>
      {truncated && <p class="empty">Older events of this session are not shown (history limit).</p>}
      <table>
        <thead>
          <tr>
            <th>time</th>
            <th>author</th>
            <th>kind</th>
            <th>rule</th>
            <th>stored</th>
            <th>what</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => [
            <tr
              key={entry.id}
              class={`row kind-${entry.kind.replaceAll(' ', '-')} ${open === entry.id ? 'open' : ''}`}
              data-testid="timeline-row"
              data-kind={entry.kind}
              onClick={() => setOpen(open === entry.id ? undefined : entry.id)}
            >
              <td class="mono">{time(entry.timestamp)}</td>
              <td>{entry.author}</td>
              <td>
                <span class="kind">{entry.kind}</span>
                {entry.count > 1 ? ` ×${entry.count}` : ''}
              </td>
              <td class="mono">{entry.rule}</td>
              <td class={entry.persisted ? 'stored' : 'yielded'}>
                {entry.persisted ? 'stored' : 'only yielded'}
              </td>
              <td class="summary">{entry.summary}</td>
            </tr>,
            open === entry.id && (
              <tr key={`${entry.id}-json`} class="json-row">
                <td colSpan={6}>
                  <pre data-testid="event-json">{JSON.stringify(entry.event, null, 2)}</pre>
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </section>
  );
}
