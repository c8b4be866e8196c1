import type { SessionDetail, SessionSummary } from '../lib/api.js';

export function SessionList(props: {
  sessions: SessionSummary[];
  current: string | undefined;
  hrefFor: (id: string | undefined) => string;
}) {
  return (
    <section class="panel sessions" data-testid="session-list">
      <h2>Sessions</h2>
      <a class="button" href={props.hrefFor(undefined)} data-testid="new-session">
        + New session
      </a>
      <ul>
        {props.sessions.map((s) => (
          <li key={s.id} class={s.id === props.current ? 'current' : ''}>
            <a href={props.hrefFor(s.id)}>{s.id}</a>
            <span class="when">{new Date(s.lastUpdateTime).toLocaleString('en-GB')}</span>
          </li>
        ))}
        {props.sessions.length === 0 && <li class="empty">none yet</li>}
      </ul>
    </section>
  );
}

export function SessionState({ detail }: { detail: SessionDetail | undefined }) {
  const entries = Object.entries(detail?.state ?? {});
  return (
    <section class="panel state" data-testid="session-state">
      <h2>Session state</h2>
      {entries.length === 0 && <p class="empty">{detail ? 'empty' : 'the session is not stored yet'}</p>}
      <dl>
        {entries.map(([key, value]) => [
          <dt key={`k-${key}`}>{key}</dt>,
          <dd key={`v-${key}`} class="mono">
            {JSON.stringify(value)}
          </dd>,
        ])}
      </dl>
    </section>
  );
}
