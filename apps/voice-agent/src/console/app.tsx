import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConnectionBanner, Header } from './components/header.js';
import { Recordings, recordingKind } from './components/recordings.js';
import { SessionList, SessionState } from './components/sessions.js';
import { TalkControls } from './components/talk-controls.js';
import { Timeline } from './components/timeline.js';
import { Transcript } from './components/transcript.js';
import { ApiError, api, type ConsoleInfo, type SessionDetail, type SessionSummary } from './lib/api.js';
import { type PageParams, pageUrl } from './lib/params.js';
import { useLiveConsole } from './use-live-console.js';

const DETAIL_REFRESH_MS = 4_000;

export function App({ params }: { params: PageParams }) {
  const live = useLiveConsole(params);
  const [info, setInfo] = useState<ConsoleInfo | undefined>(undefined);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [detail, setDetail] = useState<SessionDetail | undefined>(undefined);
  const [apiError, setApiError] = useState<string | undefined>(undefined);
  const sessionId = live.connection.sessionId;

  useEffect(() => {
    api.info(params).then(setInfo, (e: Error) => setApiError(e.message));
  }, [params]);

  // The session's state, recordings and the session list follow the conversation.
  useEffect(() => {
    const version = live.sessionVersion;
    if (version === 0) return;
    api.sessions(params).then(
      (r) => setSessions(r.sessions),
      (e: Error) => setApiError(e.message),
    );
    if (!sessionId) return;
    api.session(params, sessionId).then(setDetail, (e: unknown) => {
      if (e instanceof ApiError && e.status === 404) setDetail(undefined);
      else setApiError((e as Error).message);
    });
  }, [params, sessionId, live.sessionVersion]);

  // Recordings of a run that just ended (the mixdown) land after its last event: look again now and then.
  useEffect(() => {
    if (!sessionId) return;
    const timer = setInterval(() => {
      api.session(params, sessionId).then(setDetail, () => {});
    }, DETAIL_REFRESH_MS);
    return () => clearInterval(timer);
  }, [params, sessionId]);

  const recordings = useMemo(
    () =>
      sessionId
        ? (detail?.artifacts ?? []).map((file) => ({
            file,
            kind: recordingKind(file),
            url: api.artifactUrl(params, sessionId, file),
          }))
        : [],
    [detail, params, sessionId],
  );
  const open = live.connection.state === 'open';

  return (
    <div class="layout">
      <Header info={info} connection={live.connection} />
      <ConnectionBanner connection={live.connection} onReconnect={live.reconnect} />
      {(apiError || live.errors.length > 0) && (
        <div class="errors" data-testid="errors">
          {[apiError, ...live.errors].filter(Boolean).map((e) => (
            <div key={e}>{e}</div>
          ))}
        </div>
      )}
      <TalkControls
        enabled={open}
        talking={live.talking}
        playing={live.playing}
        level={live.level}
        onStart={live.startTalking}
        onStop={live.stopTalking}
        onSend={live.sendText}
      />
      <main class="columns">
        <div class="col-main">
          <Transcript lines={live.conversation.transcript} />
          <Recordings recordings={recordings} />
          <Timeline entries={live.conversation.timeline} truncated={live.conversation.historyTruncated} />
        </div>
        <aside class="col-side">
          <SessionState detail={detail} />
          <SessionList sessions={sessions} current={sessionId} hrefFor={(id) => pageUrl(params, id)} />
        </aside>
      </main>
    </div>
  );
}
