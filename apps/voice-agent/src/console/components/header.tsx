import type { ConsoleInfo } from '../lib/api.js';
import type { Connection } from '../use-live-console.js';

const STATE_LABELS: Record<Connection['state'], string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  open: 'connected',
  reconnecting: 'reconnecting…',
  closed: 'disconnected',
};

export function Header({ info, connection }: { info: ConsoleInfo | undefined; connection: Connection }) {
  return (
    <header class="header">
      <div class="title">
        <h1>Earshot console</h1>
        <span class={`conn conn-${connection.state}`} data-testid="connection-state">
          {STATE_LABELS[connection.state]}
        </span>
      </div>
      {info?.offline && (
        <div class="offline-badge" data-testid="offline-badge" title={info.model}>
          OFFLINE SCRIPTED MODEL — not Gemini. Replies are canned; set GEMINI_API_KEY to talk to Gemini.
        </div>
      )}
      <dl class="facts">
        <dt>model</dt>
        <dd>{info ? (info.offline ? 'scripted (FakeLiveServer)' : info.model) : '…'}</dd>
        <dt>user</dt>
        <dd>{connection.userId ?? info?.userId ?? '…'}</dd>
        <dt>session</dt>
        <dd data-testid="session-id">{connection.sessionId ?? 'new'}</dd>
        <dt>stores</dt>
        <dd>{info ? `sessions ${info.stores.sessions} · recordings ${info.stores.artifacts}` : '…'}</dd>
      </dl>
    </header>
  );
}

/** What a close without a reason means, for the banner. */
const CLOSE_REASONS: Record<number, string> = {
  1000: 'the conversation ended',
  1001: 'the server shut down',
  1006: 'the server is unreachable',
  1011: 'the live run failed',
};

export function ConnectionBanner({
  connection,
  onReconnect,
}: {
  connection: Connection;
  onReconnect: () => void;
}) {
  if (connection.state === 'open' || connection.state === 'idle' || connection.state === 'connecting')
    return null;
  const closed = connection.closed;
  const why = closed?.reason || CLOSE_REASONS[closed?.code ?? 1006] || `close code ${closed?.code}`;
  return (
    <div class="banner" role="alert" data-testid="connection-banner">
      {connection.state === 'reconnecting' ? (
        <span>Connection to the server lost — reconnecting… Sending is disabled.</span>
      ) : (
        <span>
          Disconnected from the server ({why}). Sending is disabled.{' '}
          <button type="button" onClick={onReconnect}>
            Reconnect
          </button>
        </span>
      )}
    </div>
  );
}
