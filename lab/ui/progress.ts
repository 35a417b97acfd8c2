/**
 * Progress of a lab run on the terminal. On a TTY one status line is redrawn
 * in place; piped output gets one line per phase; with CI=true it is silent
 * (CI logs only need the result).
 */
export interface Progress {
  /** A new phase starts (always its own line when not quiet). */
  phase(text: string): void;
  /** Live detail of the current phase (redrawn on a TTY, dropped otherwise). */
  update(detail: string): void;
  /** Ends the display (clears the status line). */
  close(): void;
  /** A fault or lab action happened (the live view shows it; the terminal leaves it to the report). */
  event?(kind: string, detail: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  /** Prefix of every line, such as the experiment name. */
  label?: string;
}

/** True when CI=true (or 1): no progress output. */
export function isQuiet(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.toLowerCase();
  return ci === 'true' || ci === '1';
}

/** The display fitting the output: TTY line, plain lines or nothing. */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const prefix = options.label ? `[${options.label}] ` : '';
  if (isQuiet(env)) return { phase: () => {}, update: () => {}, close: () => {} };
  const startedAtMs = Date.now();
  const elapsed = () => `${((Date.now() - startedAtMs) / 1000).toFixed(1)}s`;
  if (!stream.isTTY) {
    return {
      phase: (text) => stream.write(`${prefix}${elapsed()} ${text}\n`),
      update: () => {},
      close: () => {},
    };
  }
  let currentPhase = '';
  let lineDrawn = false;
  const draw = (detail: string) => {
    const columns = stream.columns ?? 100;
    const line = `${prefix}${elapsed()} ${currentPhase}${detail ? ` · ${detail}` : ''}`.slice(0, columns - 1);
    stream.write(`\r\x1b[2K${line}`);
    lineDrawn = true;
  };
  const clear = () => {
    if (lineDrawn) stream.write('\r\x1b[2K');
    lineDrawn = false;
  };
  return {
    phase: (text) => {
      clear();
      stream.write(`${prefix}${elapsed()} ${text}\n`);
      currentPhase = text;
    },
    update: (detail) => draw(detail),
    close: clear,
  };
}
