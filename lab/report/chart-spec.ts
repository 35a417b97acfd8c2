import type { TopLevelSpec } from 'vega-lite';

/** A chart of a report: the SVG file it is written to, its caption and its Vega-Lite spec. */
export interface ChartSpec {
  file: string;
  title: string;
  spec: TopLevelSpec;
}

/** Size of a report chart (px): fits the 1280 px page with its margins. */
export const CHART_WIDTH_PX = 560;
export const CHART_HEIGHT_PX = 260;
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
