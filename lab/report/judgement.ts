/**
 * What a checker says about one result.json (Jepsen's checker result: `valid?` plus why). The
 * report shows it; `wslab report` computes it again from result.json alone.
 */

/** true: every target held; false: one failed; 'unknown': the figures cannot tell (a run not trusted). */
export type Validity = boolean | 'unknown';

/** A run whose figures are not to be trusted, with each reason. */
export interface InvalidRun {
  run: string;
  reasons: string[];
}

export interface Judgement {
  valid: Validity;
  /** Why `valid` is what it is: the targets checked, or what made the result untrustworthy. */
  reasons: string[];
  /** The conclusion in words, one finding per entry, computed from the figures. */
  conclusions: string[];
  /** Runs the report lists under "⚠ Invalid runs" and marks `(INVALID)`. */
  invalidRuns: InvalidRun[];
}

/** `Verdict: met — …` / `Verdict: NOT met — …` / `Verdict: unknown — …`: the line a user quotes. */
export function verdictLine(judgement: Pick<Judgement, 'valid' | 'reasons'>): string {
  const word = judgement.valid === true ? 'met' : judgement.valid === false ? 'NOT met' : 'unknown';
  return `Verdict: ${word}${judgement.reasons.length > 0 ? ` — ${judgement.reasons.join('; ')}` : ''}`;
}
