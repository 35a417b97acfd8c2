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

type FacetSpec = Extract<TopLevelSpec, { facet: unknown }>;
/** The layers drawn in each column of a faceted chart. */
export type ColumnLayers = Extract<FacetSpec['spec'], { layer: unknown }>['layer'];

/**
 * One column per proxy, side by side in the report's width, each column the same `layer`s over
 * the rows of its proxy (rows carry a `proxy` field): how every per-proxy comparison is drawn.
 */
export function perProxyColumns(values: Record<string, unknown>[], layer: ColumnLayers): TopLevelSpec {
  const proxies = new Set(values.map((value) => value.proxy)).size;
  return {
    $schema: VEGA_LITE_SCHEMA,
    data: { values },
    facet: { column: { field: 'proxy', type: 'nominal', title: null, header: { labelFontSize: 13 } } },
    spec: {
      width: Math.floor((CHART_WIDTH_PX - 40 * (proxies - 1)) / Math.max(1, proxies)),
      height: CHART_HEIGHT_PX,
      layer,
    },
  };
}
