// bench api-layers' chart (issue 10, "record what each layer costs"): each layer's cost per request
// as a bar (the median of its paired differences) with a line from the smallest to the largest
// round, GET and POST one under the other. A bar whose line crosses zero is a layer this host does
// not resolve from nothing.
import type { RunResults } from '../results';
import type { ChartSpec } from './chart-spec';

export function apiLayersCharts(results: RunResults): ChartSpec[] {
  const o = results.apiLayers;
  if (!o || o.steps.length === 0) return [];
  const values = o.steps.map((s) => ({
    workload: s.workload.toUpperCase(),
    step: `${s.outer} − ${s.inner}`,
    layer: s.layer,
    median: s.cpuUs.median,
    min: s.cpuUs.min,
    max: s.cpuUs.max,
    whole: s.outer === 'nest' && s.inner === 'bare' ? 'all of dept-api against the floor' : 'one layer',
  }));
  const title = "What each of dept-api's layers costs per request: CPU µs, outer route − inner route (bar: median of the rounds; line: min to max)";
  return [
    {
      name: 'api-layers',
      title,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: "CPU µs per request that each layer adds (median, min to max over the rounds)",
        data: { values },
        facet: { row: { field: 'workload', type: 'nominal', title: null, sort: ['GET', 'POST'] } },
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 420,
          height: { step: 18 },
          encoding: {
            y: { field: 'step', type: 'nominal', sort: null, title: null, axis: { labelLimit: 200 } },
          },
          layer: [
            {
              mark: 'bar',
              encoding: {
                x: { field: 'median', type: 'quantitative', title: 'CPU µs per request' },
                color: { field: 'whole', type: 'nominal', title: null, sort: ['one layer', 'all of dept-api against the floor'], legend: { labelLimit: 320, orient: 'bottom' } },
                tooltip: [{ field: 'step' }, { field: 'layer' }, { field: 'median' }, { field: 'min' }, { field: 'max' }],
              },
            },
            { mark: { type: 'rule', color: 'black' }, encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } } },
          ],
        },
      },
    },
  ];
}
