import { type BridgeClientState, LiveBridgeClient } from '@earshot/bridge/browser';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ConsoleState, emptyState, withEvent, withHistory } from './lib/console-state.js';
import { liveUrl, type PageParams, pageUrl } from './lib/params.js';

export interface Connection {
  state: BridgeClientState;
  /** Why the socket closed last (code and reason), for the banner. */
  closed?: { code?: number; reason?: string };
  sessionId: string | undefined;
  userId: string | undefined;
}

export interface LiveConsole {
  connection: Connection;
  conversation: ConsoleState;
  level: number;
  talking: boolean;
  playing: boolean;
  errors: string[];
  /** Bumped on every event that may change the session's state or recordings. */
  sessionVersion: number;
  startTalking(): void;
  stopTalking(): void;
  sendText(text: string): boolean;
  reconnect(): void;
}

const RECONNECT = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 3_000 };
const MAX_ERRORS = 5;

/** One bridge client for the page, and everything the page shows about the conversation. */
export function useLiveConsole(params: PageParams): LiveConsole {
  const clientRef = useRef<LiveBridgeClient | undefined>(undefined);
  const micRef = useRef<Promise<void> | undefined>(undefined);
  const talkingRef = useRef(false);
  /** True between the client's startTalking and stopTalking (the mic may still be starting before). */
  const turnOpenRef = useRef(false);
  const [connection, setConnection] = useState<Connection>({
    state: 'idle',
    sessionId: params.sessionId,
    userId: undefined,
  });
  const [conversation, setConversation] = useState<ConsoleState>(emptyState);
  const [level, setLevel] = useState(0);
  const [talking, setTalking] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [sessionVersion, setSessionVersion] = useState(0);
  const addError = useCallback((message: string) => setErrors((e) => [...e, message].slice(-MAX_ERRORS)), []);

  const connect = useCallback(
    (sessionId: string | undefined) => {
      clientRef.current?.close();
      micRef.current = undefined;
      const client = new LiveBridgeClient({ url: liveUrl(params), sessionId, reconnect: RECONNECT });
      clientRef.current = client;
      client.on('state', ({ state, code, reason }) => {
        setConnection((c) => ({ ...c, state, ...(state === 'closed' ? { closed: { code, reason } } : {}) }));
        if (state !== 'open') {
          setLevel(0);
          talkingRef.current = false;
          turnOpenRef.current = false;
          setTalking(false);
        }
      });
      client.on('session', (frame) => {
        setConnection((c) => ({ ...c, sessionId: frame.sessionId, userId: frame.userId }));
        // The address bar names the session, so a reload or a shared link opens it again.
        history.replaceState(null, '', pageUrl(params, frame.sessionId));
        setSessionVersion((v) => v + 1);
      });
      client.on('history', (frame) => setConversation(withHistory(frame.events, frame.truncated)));
      client.on('event', (frame) => {
        setConversation((s) => withEvent(s, frame));
        const e = frame.event;
        const changes =
          Object.keys(e.actions?.stateDelta ?? {}).length +
          Object.keys(e.actions?.artifactDelta ?? {}).length;
        if (e.turnComplete || e.liveSessionResumptionUpdate || changes > 0) {
          setSessionVersion((v) => v + 1);
        }
      });
      client.on('error', (frame) => addError(`${frame.code}: ${frame.message}`));
      client.on('level', ({ peak }) => setLevel(peak));
      client.on('playback', ({ playing }) => setPlaying(playing));
      client.connect().catch((error: unknown) => addError(`connect: ${(error as Error).message}`));
    },
    [params, addError],
  );

  useEffect(() => {
    connect(params.sessionId);
    return () => clientRef.current?.close();
  }, [connect, params.sessionId]);

  const startTalking = useCallback(() => {
    const client = clientRef.current;
    if (client?.state !== 'open' || talkingRef.current) return;
    talkingRef.current = true;
    setTalking(true);
    micRef.current ??= client.startMicrophone();
    micRef.current.then(
      () => {
        if (!talkingRef.current || client.state !== 'open') return;
        client.startTalking();
        turnOpenRef.current = true;
      },
      (error: unknown) => {
        micRef.current = undefined;
        talkingRef.current = false;
        setTalking(false);
        addError(`microphone: ${(error as Error).message}`);
      },
    );
  }, [addError]);

  const stopTalking = useCallback(() => {
    const client = clientRef.current;
    if (!client || !talkingRef.current) return;
    talkingRef.current = false;
    setTalking(false);
    // If the microphone is still starting, the turn starts and ends once it is ready.
    void micRef.current?.then(() => {
      if (!turnOpenRef.current) return;
      turnOpenRef.current = false;
      if (client.state === 'open') client.stopTalking();
    });
  }, []);

  const sendText = useCallback(
    (text: string) => {
      const client = clientRef.current;
      if (client?.state !== 'open') return false;
      try {
        client.sendText(text);
        return true;
      } catch (error) {
        addError(`send: ${(error as Error).message}`);
        return false;
      }
    },
    [addError],
  );

  const reconnect = useCallback(() => connect(connection.sessionId), [connect, connection.sessionId]);

  return {
    connection,
    conversation,
    level,
    talking,
    playing,
    errors,
    sessionVersion,
    startTalking,
    stopTalking,
    sendText,
    reconnect,
  };
}
