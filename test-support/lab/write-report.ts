import { interpretationOf } from '../../lab/experiments/index.js';
import { reportResult } from '../../lab/experiments/run-experiment.js';
import { type ExperimentResultInput, parseResult } from '../../lab/report/schema.js';
import type { WrittenReport } from '../../lab/report/write.js';

/** A report of `input` as a run would write it: stored, judged by its experiment's checker, rendered. */
export async function writeReport(dir: string, input: ExperimentResultInput): Promise<WrittenReport> {
  const result = parseResult(input);
  return reportResult(dir, result, interpretationOf(result.experiment));
}
