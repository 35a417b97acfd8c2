/**
 * Checkers judge a result.json alone, after the run (Jepsen's `checker.clj`): the same function
 * runs at the end of an experiment and again in `wslab report <dir>`. They compose.
 */
import type { InvalidRun, Judgement, Validity } from '../../report/judgement.js';
import type { ExperimentResult } from '../../report/schema.js';

export type Checker = (result: ExperimentResult) => Judgement;

/** What a checker returns when it has nothing to say. */
export const NOTHING_FOUND: Judgement = { valid: true, reasons: [], conclusions: [], invalidRuns: [] };

/** Jepsen's merge-valid: false over unknown over true. */
function mergeValidity(a: Validity, b: Validity): Validity {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

/** Invalid runs of several checkers, one entry per run with every reason. */
function mergeInvalidRuns(lists: readonly InvalidRun[][]): InvalidRun[] {
  const byRun = new Map<string, string[]>();
  for (const entry of lists.flat()) byRun.set(entry.run, [...(byRun.get(entry.run) ?? []), ...entry.reasons]);
  return [...byRun].map(([run, reasons]) => ({ run, reasons }));
}

/** One checker made of several (Jepsen's `checker/compose`): validity merged, findings in order. */
export function compose(...checkers: readonly Checker[]): Checker {
  return (result) => {
    const judgements = checkers.map((check) => check(result));
    return {
      valid: judgements.reduce<Validity>((valid, judgement) => mergeValidity(valid, judgement.valid), true),
      reasons: judgements.flatMap((judgement) => judgement.reasons),
      conclusions: judgements.flatMap((judgement) => judgement.conclusions),
      invalidRuns: mergeInvalidRuns(judgements.map((judgement) => judgement.invalidRuns)),
    };
  };
}

/** A checker of findings only (descriptive experiments: no pass/fail target of their own). */
export function findings(conclude: (result: ExperimentResult) => string[]): Checker {
  return (result) => ({ ...NOTHING_FOUND, conclusions: conclude(result) });
}
