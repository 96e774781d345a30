// A tiny departments server on 127.0.0.1 for the executor's and the report's tests. It speaks the
// routes of the study's app and counts what it served, so tests can hold the executor's counters
// against the server's own. Not a mock of dept-api's behaviour beyond the HTTP contract.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDeptApiOptions {
  rows?: number;
  /** Every n-th GET answers with one row missing (0 = never). */
  wrongRowsEvery?: number;
  /** Every n-th request answers 500 (0 = never). */
  failEvery?: number;
}

export class FakeDeptApi {
  readonly stored = new Map<string, string>();
  served = 0;
  wrongRowsServed = 0;
  failuresServed = 0;
  conflictsServed = 0;
  /** While true every request answers 503 at once, like an app whose Redis was just killed. */
  down = false;
  downServed = 0;
  private server: Server | null = null;
  private readonly bodyFor: (n: number) => string;

  constructor(readonly options: FakeDeptApiOptions = {}) {
    const rows = options.rows ?? 10;
    const json = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ deptNo: `d${String(i + 1).padStart(3, '0')}`, deptName: `Department ${i + 1}` })));
    const full = json(rows);
    const short = json(rows - 1);
    this.bodyFor = (n) => (n === rows ? full : short);
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const n = ++this.served;
    const { failEvery = 0, wrongRowsEvery = 0, rows = 10 } = this.options;
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (this.down) {
      this.downServed++;
      req.resume();
      return send(503, '{"message":"store unavailable"}');
    }
    if (failEvery && n % failEvery === 0) {
      this.failuresServed++;
      req.resume();
      return send(500, '{"message":"failed on purpose"}');
    }
    if (req.method === 'GET' && (req.url === '/v1/departments' || req.url === '/v1/departmentsNoCache')) {
      const wrong = wrongRowsEvery > 0 && n % wrongRowsEvery === 0;
      if (wrong) this.wrongRowsServed++;
      return send(200, this.bodyFor(wrong ? rows - 1 : rows));
    }
    if (req.method === 'POST' && (req.url === '/api/departmentRedises' || req.url === '/api/departments')) {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const row = JSON.parse(raw) as { deptNo: string; deptName: string };
        if (req.url === '/api/departments' && this.stored.has(row.deptNo)) {
          this.conflictsServed++;
          return send(409, '{"message":"duplicate"}');
        }
        this.stored.set(row.deptNo, row.deptName);
        send(201, JSON.stringify(row));
      });
      return;
    }
    req.resume();
    send(404, '{"message":"not found"}');
  }
}
