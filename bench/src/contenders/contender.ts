/** Which database a contender's process talks to. */
export type Engine = 'postgres' | 'pglite';

export interface ContenderOptions {
  port: number;
  engine: Engine;
  /** PostgreSQL URL (engine postgres). */
  url: string;
}

/** A running contender: one HTTP server on 127.0.0.1. */
export interface RunningContender {
  /** Headers every request must carry (a bearer token when the app signs users in). */
  headers?: Record<string, string>;
  close(): Promise<void>;
}

export type StartContender = (options: ContenderOptions) => Promise<RunningContender>;
