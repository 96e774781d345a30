import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, studyBody, uniqueBody } from '@app/scenarios';
import { findBinary } from '@app/procs';
import { parseWrk, wrkScript } from './wrk';

const OUTPUT = `Running 3s test @ http://127.0.0.1:29010/v1/departments
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.22ms  310.12us   9.81ms   91.02%
    Req/Sec    22.51k     1.02k   23.61k    86.67%
  Latency Distribution
     50%    2.17ms
     75%  800.00us
     90%    2.45ms
     99%    1.20s
  66210 requests in 2.50s, 28.54MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 5
Requests/sec:  26484.00
Transfer/sec:     11.42MB
`;

describe('wrk', () => {
  it('reads answers, errors, the elapsed time and the latency percentiles in ms from its output', () => {
    const w = parseWrk(OUTPUT);
    expect(w.requests).toBe(66210);
    expect(w.durationSec).toBe(2.5);
    expect(w.non2xx).toBe(5);
    expect(w.socketErrors).toBe(7);
    expect(w.latencyMs).toEqual({ '50': 2.17, '75': 0.8, '90': 2.45, '99': 1200 });
  });

  it('refuses output without its totals or without --latency', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no "requests in"/);
    expect(() => parseWrk(OUTPUT.replace(/ {5}99%.*\n/, ''))).toThrow(/no 99% latency/);
  });

  const post = SCENARIOS['post-redis'];
  const cell = post.cells('local').find((c) => c.backend === 'redis' && !c.payloadExtraBytes)!;

  it("writes the scenario's request: method, headers, and bodies of its own generator", () => {
    const unique = wrkScript(post.request({ ...cell, idMode: 'unique' }), { ...cell, idMode: 'unique' }, 'abc123');
    expect(unique).toContain('wrk.method = "POST"');
    expect(unique).toMatch(/wrk\.headers\["content-type"\] = "application\/json"/i);
    // uniqueBody's shape with this run's tag, VU and iteration filled in by Lua.
    const sample = uniqueBody({ vu: 1, iter: 7, rand: Math.random, runTag: 'abc123', payloadExtraBytes: 0 });
    expect(sample).toBe('{"deptNo":"uabc123-1-7","deptName":"test_abc123_1_7"}');
    expect(unique).toContain(`'{"deptNo":"uabc123-%d-%d","deptName":"test_abc123_%d_%d"}'`);
    const random = wrkScript(post.request({ ...cell, idMode: 'random' }), { ...cell, idMode: 'random' }, 'abc123');
    expect(studyBody({ vu: 1, iter: 0, rand: () => 0.5, runTag: 'x', payloadExtraBytes: 0 })).toBe('{"deptNo":"t5000","deptName":"test_500000"}');
    expect(random).toContain(`'{"deptNo":"t%04d","deptName":"test_%06d"}'`);
    // A GET has no body function.
    const get = SCENARIOS['get-departments'].cells('local').find((c) => c.backend === 'redis')!;
    const getScript = wrkScript(SCENARIOS['get-departments'].request(get), get, 'abc123');
    expect(getScript).toContain('wrk.method = "GET"');
    expect(getScript).not.toContain('request = function');
    // Bodies wrk does not know are refused, not sent differently.
    expect(() => wrkScript(post.request(cell), { ...cell, payloadExtraBytes: 100 }, 'abc123')).toThrow(/payload/);
  });

  // The Lua itself, run by wrk's own LuaJIT against a local server that keeps what it receives.
  const wrk = findBinary('wrk');
  (wrk ? it : it.skip)('sends, through wrk, the bodies the script claims (needs wrk: apt-get install -y wrk)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrk-spec-'));
    const script = join(dir, 'r.lua');
    writeFileSync(script, wrkScript(post.request({ ...cell, idMode: 'unique' }), { ...cell, idMode: 'unique' }, 'tag001'));
    const received: Array<{ method?: string; type?: string; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ method: req.method, type: req.headers['content-type'], body });
        res.writeHead(201, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const child = spawn(wrk!, ['-t1', '-c1', '-d1s', '-s', script, `http://127.0.0.1:${port}/api/departmentRedises`], { stdio: 'ignore' });
      await new Promise((resolve) => child.on('close', resolve));
    } finally {
      server.close();
    }
    expect(received.length).toBeGreaterThan(3);
    // uniqueBody's shape, VU 1 (one wrk thread), iterations counting up (wrk builds one request
    // up front, so the first one sent may be the second made).
    const shape = /^\{"deptNo":"utag001-1-(\d+)","deptName":"test_tag001_1_(\d+)"\}$/;
    for (const r of received) {
      expect(r).toMatchObject({ method: 'POST', type: 'application/json' });
      const m = shape.exec(r.body);
      expect(m && m[1] === m[2]).toBe(true);
    }
    // Every one of them unique, as uniqueBody's are.
    expect(new Set(received.map((r) => r.body)).size).toBe(received.length);
  });
});
