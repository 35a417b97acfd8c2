import { type ChartSpec, perProxyColumns } from '../../report/chart-spec.js';
import type { Headline } from '../../report/headline.js';
import type { ExperimentResult, RunResult } from '../../report/schema.js';
import { BACK_WITHIN_MS } from './silent-run.js';

/** How a silent-fault experiment's headline groups its runs: the run parameter on the x axis. */
export interface SilentHeadlineOptions {
  /** Run parameter on the x axis (`death`, `cut`). */
  xField: string;
  xTitle: string;
  sort?: string[];
  /** Run parameter that colours the bars (`setting`); unset: one colour per proxy. */
  colorField?: string;
  file: string;
  title: string;
  /** More verdict columns, each a run metric in ms shown in seconds (`unreadyAfterMs`). */
  extraSeconds?: { name: string; metric: string }[];
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function rowOf(run: RunResult, options: SilentHeadlineOptions) {
  const m = run.metrics;
  return {
    run: run.label,
    proxy: String(run.parameters.proxy ?? ''),
    x: String(run.parameters[options.xField] ?? run.label),
    color: String(run.parameters[options.colorField ?? 'proxy'] ?? ''),
    struck: m.struckClients,
    backMaxS: seconds(m.backMsMax),
    backP50S: seconds(m.backMsP50),
    neverBack: m.neverBack,
    onto: m.reconnectedOntoStruck,
    lost: m.ackedLost,
  };
}

/**
 * The bar chart every client-back figure shares: per proxy, the seconds until the last client of
 * the struck replica received again (bar; p50 as a tick), the 10 s bound as a red rule, lost and
 * never-back above each bar; and the verdict table of those figures.
 */
export function silentHeadline(options: SilentHeadlineOptions): Headline {
  const chart = (result: ExperimentResult): ChartSpec | undefined => {
    const values = result.runs
      .map((run) => rowOf(run, options))
      .filter((row) => row.backMaxS !== undefined || (row.neverBack ?? 0) > 0)
      .map((row) => ({
        ...row,
        // a client never back is drawn at the bound's double, captioned
        backMaxS: row.backMaxS ?? (2 * BACK_WITHIN_MS) / 1000,
        note: `${(row.neverBack ?? 0) > 0 ? `${row.neverBack} never back · ` : ''}lost ${row.lost ?? 0}`,
      }));
    if (values.length === 0) return undefined;
    const x = {
      field: 'x',
      type: 'nominal',
      title: options.xTitle,
      axis: { labelAngle: 0 },
      ...(options.sort ? { sort: options.sort } : {}),
    } as const;
    const xOffset = options.colorField ? { xOffset: { field: 'color', type: 'nominal' as const } } : {};
    const tooltip = [
      { field: 'run' },
      { field: 'struck', title: 'clients on the struck replica' },
      { field: 'backMaxS', title: 'last back (s)' },
      { field: 'backP50S', title: 'p50 back (s)' },
      { field: 'onto', title: 'reconnected onto it' },
      { field: 'lost', title: 'acked lost' },
    ];
    return {
      file: options.file,
      title: options.title,
      spec: perProxyColumns(values, [
        {
          mark: { type: 'bar', opacity: 0.8 },
          encoding: {
            x,
            ...xOffset,
            y: {
              field: 'backMaxS',
              type: 'quantitative',
              title: 'seconds until the last client receives again',
            },
            color: { field: 'color', type: 'nominal', title: options.colorField ?? 'proxy' },
            tooltip,
          },
        },
        {
          mark: { type: 'tick', color: 'black', thickness: 2 },
          encoding: { x, ...xOffset, y: { field: 'backP50S', type: 'quantitative' }, tooltip },
        },
        {
          mark: { type: 'text', dy: -8, fontSize: 10 },
          encoding: {
            x,
            ...xOffset,
            y: { field: 'backMaxS', type: 'quantitative' },
            text: { field: 'note' },
          },
        },
        {
          mark: { type: 'rule', color: 'red', strokeDash: [4, 3] },
          encoding: { y: { datum: BACK_WITHIN_MS / 1000 } },
        },
      ]),
    };
  };
  return {
    chart,
    verdict: (result) => ({
      columns: [
        { name: 'clients struck', better: 'higher' },
        { name: 'last back (s)', better: 'lower' },
        { name: 'p50 back (s)', better: 'lower' },
        { name: 'never back', better: 'lower' },
        { name: 'reconnected onto struck', better: 'lower' },
        { name: 'acked lost', better: 'lower' },
        ...(options.extraSeconds ?? []).map((extra) => ({ name: extra.name, better: 'lower' as const })),
      ],
      rows: result.runs.map((run) => {
        const row = rowOf(run, options);
        return {
          key: row.run,
          figures: {
            'clients struck': row.struck,
            'last back (s)': row.backMaxS,
            'p50 back (s)': row.backP50S,
            'never back': row.neverBack,
            'reconnected onto struck': row.onto,
            'acked lost': row.lost,
            ...Object.fromEntries(
              (options.extraSeconds ?? []).map((extra) => [extra.name, seconds(run.metrics[extra.metric])]),
            ),
          },
        };
      }),
    }),
  };
}
