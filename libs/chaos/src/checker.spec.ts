import { check, NodeSnapshot } from './checker';
import type { FaultEvent, HistoryLine, OpRecord, OpStatus } from './history';

let n = 0;
function op(kind: OpRecord['op'], key: string, value: string | null, invokeMs: number, completeMs: number, status: OpStatus, replica = 0): OpRecord {
  return { t: 'op', n: n++, replica, worker: replica, op: kind, key, value, invokeMs, completeMs, invokeWall: invokeMs, completeWall: completeMs, status };
}
function fault(phase: FaultEvent['phase'], id: number, atMs: number, extra: Partial<FaultEvent> = {}): FaultEvent {
  return { t: 'fault', phase, kind: 'kill-node', target: 'node a', id, atMs, wall: atMs, ...extra };
}
function node(name: string, values: Record<string, string | null>): NodeSnapshot {
  return { name, values, ids: Object.keys(values) };
}
const O = { opTimeoutMs: 1000 };

describe('chaos checker', () => {
  describe('set (unique keys)', () => {
    const h: HistoryLine[] = [op('add', 'k1', 'r0#1', 0, 10, 201), op('add', 'k2', 'r0#2', 0, 10, 201), op('add', 'k3', 'r1#3', 0, 10, 'timeout', 1), op('add', 'k4', 'r1#4', 0, 10, 503, 1)];

    it('an acked id absent on both nodes is lost; indeterminate writes are never lost', () => {
      const r = check(h, [node('a', { k1: 'r0#1' }), node('b', { k1: 'r0#1' })], O);
      expect(r.acked).toBe(2);
      expect(r.indeterminate).toBe(2);
      expect(r.lost).toMatchObject({ total: 1, set: 1, register: 0, keys: ['k2'] });
    });

    it('an id on one node only is not lost but is a one-node key', () => {
      const r = check(h, [node('a', { k1: 'r0#1', k2: 'r0#2', k4: 'r1#4' }), node('b', { k1: 'r0#1' })], O);
      expect(r.lost.total).toBe(0);
      expect(r.oneNodeKeys).toMatchObject({ count: 2, byNode: { a: 2 }, keys: ['k2', 'k4'] });
      expect(r.differing.count).toBe(0);
    });

    it('a value nobody wrote is unknown and does not save the key', () => {
      const r = check(h, [node('a', { k1: 'r0#1', k2: 'bogus' }), node('b', { k1: 'r0#1', k2: 'bogus' })], O);
      expect(r.unknownValues).toBe(2);
      expect(r.lost.keys).toEqual(['k2']);
    });
  });

  describe('register (overwrites of one key)', () => {
    const w1 = op('write', 's', 'r0#1', 0, 10, 201, 0);
    const w2 = op('write', 's', 'r1#2', 20, 30, 201, 1);
    it('both nodes holding a value whose write precedes another acked write: lost', () => {
      const r = check([w1, w2], [node('a', { s: 'r0#1' }), node('b', { s: 'r0#1' })], O);
      expect(r.lost).toMatchObject({ total: 1, register: 1, set: 0 });
    });
    it('one node with the newest value: not lost, but the values differ', () => {
      const r = check([w1, w2], [node('a', { s: 'r0#1' }), node('b', { s: 'r1#2' })], O);
      expect(r.lost.total).toBe(0);
      expect(r.differing).toEqual({ count: 1, keys: [{ key: 's', values: ['r0#1', 'r1#2'] }] });
    });
    it('concurrent acked writes: either value may win', () => {
      const c1 = op('write', 'c', 'r0#3', 0, 30, 201, 0);
      const c2 = op('write', 'c', 'r1#4', 10, 20, 201, 1);
      expect(check([c1, c2], [node('a', { c: 'r1#4' }), node('b', { c: 'r1#4' })], O).lost.total).toBe(0);
      expect(check([c1, c2], [node('a', { c: 'r0#3' }), node('b', { c: 'r0#3' })], O).lost.total).toBe(0);
    });
    it('an older indeterminate write may have taken effect last: not lost', () => {
      const t1 = op('write', 't', 'r0#5', 0, 1000, 'timeout', 0);
      const t2 = op('write', 't', 'r1#6', 1100, 1110, 201, 1);
      expect(check([t1, t2], [node('a', { t: 'r0#5' }), node('b', { t: 'r0#5' })], O).lost.total).toBe(0);
    });
  });

  describe('in-flight at a death', () => {
    const w = op('add', 'k', 'r0#1', 100, 110, 201, 0);
    it('a lost write acked just before a node kill is counted in flight', () => {
      const r = check([w, fault('start', 1, 500, { died: { node: 'a' } })], [node('a', {}), node('b', {})], O);
      expect(r.lost).toMatchObject({ total: 1, inFlightAtDeath: 1, beyondInFlight: 0 });
    });
    it('a kill long after the ack does not excuse the loss', () => {
      const r = check([w, fault('start', 1, 5000, { died: { node: 'a' } })], [node('a', {}), node('b', {})], O);
      expect(r.lost).toMatchObject({ total: 1, inFlightAtDeath: 0, beyondInFlight: 1 });
    });
    it('an app kill excuses only that replica\'s writes', () => {
      const other = check([w, fault('step', 1, 300, { kind: 'partition-kill-app', died: { replica: 1 } })], [node('a', {}), node('b', {})], O);
      expect(other.lost.inFlightAtDeath).toBe(0);
      const same = check([w, fault('step', 1, 300, { kind: 'partition-kill-app', died: { replica: 0 } })], [node('a', {}), node('b', {})], O);
      expect(same.lost.inFlightAtDeath).toBe(1);
    });
  });

  describe('stale reads', () => {
    const w1 = op('write', 's', 'r0#1', 0, 10, 201, 0);
    const w2 = op('write', 's', 'r1#2', 20, 30, 201, 1);
    const nodes = [node('a', { s: 'r1#2' }), node('b', { s: 'r1#2' })];
    it('a read of the older value after the newer write completed is stale (cross-replica)', () => {
      const r = check([w1, w2, op('read', 's', 'r0#1', 40, 45, 200, 0)], nodes, O);
      expect(r.staleReads).toMatchObject({ reads: 1, total: 1, crossReplica: 1, sameReplica: 0, byReplica: { '0': 1 } });
    });
    it('the same read through the replica that took the newer write is same-replica', () => {
      const r = check([w1, w2, op('read', 's', 'r0#1', 40, 45, 200, 1)], nodes, O);
      expect(r.staleReads).toMatchObject({ total: 1, sameReplica: 1, crossReplica: 0 });
    });
    it('a read overlapping the newer write is not stale', () => {
      const r = check([w1, w2, op('read', 's', 'r0#1', 25, 45, 200, 0)], nodes, O);
      expect(r.staleReads.total).toBe(0);
    });
    it('404 after an acked add completed is a stale not-found; a value nobody wrote is counted apart', () => {
      const add = op('add', 'k', 'r0#9', 0, 10, 201, 0);
      const r = check([add, op('read', 'k', null, 20, 25, 404, 1), op('read', 'k', 'zzz', 20, 25, 200, 1), op('read', 'k', null, 5, 25, 404, 1)], [node('a', { k: 'r0#9' }), node('b', { k: 'r0#9' })], O);
      expect(r.staleReads).toMatchObject({ reads: 3, total: 1, notFound: 1, neverWritten: 1, crossReplica: 1 });
    });
  });

  describe('failed requests per fault window', () => {
    it('counts failures inside [start, stop + op timeout] and whether each was within the bound', () => {
      const h: HistoryLine[] = [
        fault('start', 1, 100, { kind: 'partition', target: 'replica 0 x node a' }),
        op('add', 'a1', 'v1', 150, 300, 503),
        op('add', 'a2', 'v2', 200, 3200, 'timeout'),
        op('add', 'a3', 'v3', 250, 260, 201),
        fault('stop', 1, 1000, { kind: 'partition', target: 'replica 0 x node a' }),
        op('add', 'a4', 'v4', 1900, 1910, 'error'),
        op('add', 'a5', 'v5', 2500, 2510, 'error'),
      ];
      const r = check(h, [node('a', {}), node('b', {})], O);
      expect(r.failures.windows).toEqual([
        { id: 1, kind: 'partition', target: 'replica 0 x node a', startMs: 100, stopMs: 1000, requests: 4, failed: 3, failedWithinBound: 2, maxFailedMs: 3000 },
      ]);
      expect(r.failures.outside).toEqual({ requests: 1, failed: 1, failedWithinBound: 1, maxFailedMs: 10 });
      expect(r.failures).toMatchObject({ total: 4, withinBound: 3, maxMs: 3000 });
    });
  });

  it('reports the id set and the hashes disagreeing on a node', () => {
    const r = check([], [{ name: 'a', values: { x: 'v' }, ids: ['y'] }], O);
    expect(r.idSetMismatch).toBe(2);
  });
});
