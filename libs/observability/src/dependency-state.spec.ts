import { Logger } from '@nestjs/common';
import { Registry, Gauge } from 'prom-client';
import { DependencyState } from './dependency-state';

describe('DependencyState', () => {
  it('logs once per change of state, not once per failed request, and tracks the gauge', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const registry = new Registry();
    const gauge = new Gauge({ name: 'degraded', help: 'h', labelNames: ['dependency'], registers: [registry] });
    const state = new DependencyState('redis', gauge);
    for (let i = 0; i < 100; i++) state.failed(new Error('connection refused'), 'answering from MariaDB');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/redis unavailable \(connection refused\); answering from MariaDB/);
    expect((await gauge.get()).values[0].value).toBe(1);
    for (let i = 0; i < 100; i++) state.ok();
    expect(log).toHaveBeenCalledTimes(1);
    expect((await gauge.get()).values[0].value).toBe(0);
    state.failed(new Error('again'), 'x');
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
    log.mockRestore();
  });
});
