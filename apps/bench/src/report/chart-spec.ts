/** A chart as a vega-lite spec, rendered to charts/<name>.svg (charts.ts). */
export interface ChartSpec {
  /** File name under charts/, without .svg. */
  name: string;
  title: string;
  spec: Record<string, unknown>;
}
