import { Logger } from '@nestjs/common';
import type { Gauge } from 'prom-client';

/**
 * Tracks whether a dependency is up, and logs only when that changes: a Redis outage under
 * load would otherwise write one line per request.
 */
export class DependencyState {
  private down = false;
  private since = Date.now();
  private readonly logger: Logger;

  constructor(readonly name: string, private readonly gauge?: Gauge<'dependency'>) {
    this.logger = new Logger(`dependency:${name}`);
    gauge?.set({ dependency: name }, 0);
  }

  get isDown(): boolean {
    return this.down;
  }

  failed(err: unknown, consequence: string): void {
    if (this.down) return;
    this.down = true;
    this.since = Date.now();
    this.gauge?.set({ dependency: this.name }, 1);
    this.logger.warn(`${this.name} unavailable (${(err as Error)?.message ?? String(err)}); ${consequence}`);
  }

  ok(): void {
    if (!this.down) return;
    this.down = false;
    this.gauge?.set({ dependency: this.name }, 0);
    this.logger.log(`${this.name} is back after ${Date.now() - this.since} ms`);
  }
}
