/**
 * The JSON the console's `/api/` routes answer with: shared by the server (src/server) and the
 * page (src/console), so both sides agree on one shape. Types only: nothing here runs.
 */

/** `GET /api/info`: how the model is reached, where things are stored. */
export interface ConsoleInfo {
  appName: string;
  model: string;
  offline: boolean;
  stores: { sessions: string; artifacts: string };
  version: string;
  userId: string;
}

/** One row of `GET /api/sessions`. */
export interface SessionSummary {
  id: string;
  lastUpdateTime: number;
}

export interface SessionList {
  sessions: SessionSummary[];
  /** True when the user has more sessions than the list holds. */
  truncated: boolean;
}

/** `GET /api/sessions/{id}`. */
export interface SessionDetail {
  id: string;
  userId: string;
  state: Record<string, unknown>;
  lastUpdateTime: number;
  /** The session's artifact filenames (the recordings among them). */
  artifacts: string[];
}
