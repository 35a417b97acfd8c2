import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArrivalModel } from '../../loadtests/scenarios/arrivals.js';
import { STREAM_DEFAULTS } from '../../loadtests/scenarios/definition.js';
import { labDir } from '../lab-dir.js';
import type { LiveCollector } from '../live/collector.js';
import { describeMachine } from '../report/machine.js';
import { readResult, storeResult } from '../report/result-file.js';
import { type ExperimentResult, parseResult } from '../report/schema.js';
import { renderReport, reportDirName, type WrittenReport } from '../report/write.js';
import { createProgress, type Progress } from '../ui/progress.js';
import type { Experiment, ExperimentMode } from './experiment.js';

export interface RunExperimentOptions {
  mode: ExperimentMode;
  /** Arrival model of every load run. Default: the runner's (uniform). */
  arrivals?: ArrivalModel;
  /** Parent of the report directory. Default `reports`. */
  reportsDir?: string;
  progress?: Progress;
  /** See ExperimentContext.durationMs. */
  durationMs?: number;
  /** Feeds the live view (phases, faults, each topology) when given. */
  live?: LiveCollector;
}

/** The terminal progress, with phases and faults also sent to the live view. */
function withLiveView(progress: Progress, live: LiveCollector | undefined, name: string): Progress {
  if (!live) return progress;
  return {
    phase: (text) => {
      progress.phase(text);
      live.phase(`${name}: ${text}`);
    },
    update: (detail) => progress.update(detail),
    close: () => progress.close(),
    event: (kind, detail) => {
      progress.event?.(kind, detail);
      live.event(kind, detail);
    },
  };
}

/**
 * Runs one experiment through its phases — topology and measure (the experiment's `measure`),
 * store result.json, check (the experiment's checker on result.json alone), render — into
 * reports/<timestamp>-<name>/ (result.json, check.json, report.md, charts, index.html).
 */
export async function runExperiment(
  experiment: Experiment,
  options: RunExperimentOptions,
): Promise<WrittenReport> {
  const startedAt = new Date();
  const dirName = reportDirName(experiment.name, startedAt);
  const workDir = join(labDir(), 'runs', dirName);
  mkdirSync(workDir, { recursive: true });
  const progress = withLiveView(
    options.progress ?? createProgress({ label: experiment.name }),
    options.live,
    experiment.name,
  );
  try {
    const arrivals = options.arrivals ?? STREAM_DEFAULTS.arrivals;
    const authModes = new Set<string>();
    const measured = await experiment.measure({
      authModes,
      mode: options.mode,
      arrivals,
      workDir,
      progress,
      ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
      ...(options.live ? { live: options.live } : {}),
    });
    const finishedAt = new Date();
    const result = parseResult({
      schemaVersion: 1,
      experiment: experiment.name,
      mode: options.mode,
      title: experiment.title,
      question: experiment.question,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      machine: describeMachine(),
      parameters: {
        mode: options.mode,
        arrivals,
        auth: [...authModes].sort().join(',') || 'n/a',
        ...measured.parameters,
      },
      runs: measured.runs,
      notes: [
        ...(options.mode === 'short' ? ['Short mode: seconds per run, figures are indicative only.'] : []),
        ...(authModes.has('none')
          ? ['auth: none — a topology of this run was open: anyone could connect, join and publish.']
          : []),
        ...(measured.notes ?? []),
      ],
      restarted: measured.restarted ?? [],
      ...(measured.capacity ? { capacity: measured.capacity } : {}),
    });
    progress.phase('writing report');
    return await reportResult(join(options.reportsDir ?? 'reports', dirName), result, experiment);
  } finally {
    progress.close();
  }
}

/** The store, check and render phases of a validated result. */
export async function reportResult(
  dir: string,
  result: ExperimentResult,
  experiment: Pick<Experiment, 'check' | 'headline'>,
): Promise<WrittenReport> {
  await storeResult(dir, result);
  return renderReport(dir, result, experiment.check(result), experiment.headline);
}

/**
 * `wslab report <dir>`: the check and render phases again, from the dir's result.json alone — a
 * report re-judged by the current checker without re-running anything.
 */
export async function rejudgeReport(
  dir: string,
  experimentOf: (name: string) => Pick<Experiment, 'check' | 'headline'>,
): Promise<WrittenReport> {
  const result = await readResult(dir);
  const experiment = experimentOf(result.experiment);
  return renderReport(dir, result, experiment.check(result), experiment.headline);
}
