/** The live view's settings, each with its one default. */
export const LIVE_VIEW_DEFAULTS = {
  /** Loopback port of the page; 0: the port the last lab used (so an open page reconnects), else a free one. */
  port: 0,
  /** Scrape of /metrics (CPU comes from the run's sample stream), and a snapshot to every page (ms): at least once a second. */
  sampleEveryMs: 500,
  /** Replica liveness check (ms): a killed replica shows on the page within this plus one push. */
  watchEveryMs: 100,
  /** Window of the rolling p50/p99 (ms). */
  latencyWindowMs: 5_000,
  /** Snapshots kept for a page that opens late (the charts' history). */
  historyLength: 240,
  /** Faults and lab actions kept. */
  eventsKept: 100,
} as const;

export type LiveViewOptions = { -readonly [K in keyof typeof LIVE_VIEW_DEFAULTS]: number };
