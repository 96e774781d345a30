import { apiLayersCharts } from './charts-layers';
import type { ApiLayers, RunResults } from '../results';

const spread = (median: number, min: number, max: number) => ({ median, min, max, n: 3 });
const step = (workload: 'get' | 'post', outer: string, inner: string, median: number) =>
  ({ workload, outer, inner, layer: `${outer} over ${inner}`, cpuUs: spread(median, median - 1, median + 2), tpsRatio: spread(0.95, 0.9, 1) }) as ApiLayers['steps'][number];

describe('apiLayersCharts', () => {
  it('draws nothing for a run without api-layers', () => {
    expect(apiLayersCharts({ cells: [] } as unknown as RunResults)).toEqual([]);
  });

  it('one bar per step with its min-max line, both workloads, the whole gap told apart', () => {
    const steps = [step('get', 'nest', 'service', 3.3), step('get', 'nest', 'bare', 5.1), step('post', 'nest', 'validation', 11.5), step('post', 'nest', 'bare', 26.3)];
    const [chart] = apiLayersCharts({ apiLayers: { steps } } as unknown as RunResults);
    expect(chart.name).toBe('api-layers');
    const values = (chart.spec.data as { values: Array<Record<string, unknown>> }).values;
    expect(values.map((v) => `${v.workload} ${v.step} ${v.median} ${v.min} ${v.max}`)).toEqual([
      'GET nest − service 3.3 2.3 5.3',
      'GET nest − bare 5.1 4.1 7.1',
      'POST nest − validation 11.5 10.5 13.5',
      'POST nest − bare 26.3 25.3 28.3',
    ]);
    expect(values.filter((v) => v.whole !== 'one layer').map((v) => v.step)).toEqual(['nest − bare', 'nest − bare']);
  });
});
