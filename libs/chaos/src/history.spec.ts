import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryRecorder, isAck, isFailure, isIndeterminate, readHistory } from './history';
import type { OpRecord } from './history';

describe('HistoryRecorder', () => {
  it('writes meta, ops and fault events as JSONL on one clock that starts with the workload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hist-'));
    try {
      const file = join(dir, 'h.jsonl');
      const h = new HistoryRecorder(file, { topology: 't', fault: 'none', seed: 1, replicas: 2, opTimeoutMs: 1000 });
      await new Promise((r) => setTimeout(r, 30));
      h.startClock();
      expect(h.now()).toBeLessThan(20);
      const inv = h.now();
      h.op({ replica: 1, worker: 3, op: 'add', key: 'u3-0', value: 'r1#0', invokeMs: inv, completeMs: h.now(), status: 201 });
      h.fault({ phase: 'start', kind: 'kill-node', target: 'node a', id: 1, died: { node: 'a' } });
      await h.close();
      const lines = readHistory(file);
      expect(lines.map((l) => l.t)).toEqual(['meta', 'op', 'fault']);
      const op = lines[1] as OpRecord;
      expect(op).toMatchObject({ n: 0, replica: 1, op: 'add', status: 201 });
      expect(op.completeWall).toBeGreaterThanOrEqual(op.invokeWall);
      expect(lines[2]).toMatchObject({ kind: 'kill-node', died: { node: 'a' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('classifies answers: 201 acks, 4xx did not happen, the rest is indeterminate; 404 reads are not failures', () => {
    const w = (status: OpRecord['status']): OpRecord => ({ t: 'op', n: 0, replica: 0, worker: 0, op: 'write', key: 'k', value: 'v', invokeMs: 0, completeMs: 1, invokeWall: 0, completeWall: 1, status });
    expect([201, 400, 503, 'timeout', 'error'].map((s) => [isAck(w(s as OpRecord['status'])), isIndeterminate(w(s as OpRecord['status']))])).toEqual([
      [true, false], [false, false], [false, true], [false, true], [false, true],
    ]);
    expect(isFailure({ ...w(404), op: 'read' })).toBe(false);
    expect(isFailure({ ...w(503), op: 'read' })).toBe(true);
  });
});
