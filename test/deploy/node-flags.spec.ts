// dept-api's node flags (libs/procs DEPT_API_NODE_FLAGS) are the same wherever it starts: the
// Docker image (and so docker compose and Kubernetes, which keep its CMD), `npm run
// start:dept-api`, and the bench stack and chaos runs (which spawn it with the constant itself).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { DEPT_API_NODE_FLAGS } from '@app/procs';
import { ROOT } from './helpers';

const MAIN = 'dist/apps/dept-api/src/main.js';

describe("dept-api's node flags", () => {
  it('this node accepts every one of them', () => {
    expect(execFileSync(process.execPath, [...DEPT_API_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });

  it('the image runs dept-api with them', () => {
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    const stage = dockerfile.slice(dockerfile.indexOf('AS dept-api'));
    const cmd = /^CMD (\[.*\])$/m.exec(stage);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1])).toEqual(['node', ...DEPT_API_NODE_FLAGS, MAIN]);
  });

  it('npm run start:dept-api runs dept-api with them', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:dept-api']).toBe(['node', ...DEPT_API_NODE_FLAGS, MAIN].join(' '));
  });

  it('neither docker compose nor Kubernetes replaces the image command of dept-api', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { build?: { target?: string }; command?: unknown; entrypoint?: unknown }> };
    const apis = Object.entries(compose.services).filter(([, s]) => s.build?.target === 'dept-api');
    expect(apis.length).toBeGreaterThan(0);
    for (const [, s] of apis) {
      expect(s.command).toBeUndefined();
      expect(s.entrypoint).toBeUndefined();
    }
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'k8s', 'base', 'dept-api.yaml'), 'utf8')).map((d) => d.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Array<{ name: string; command?: unknown; args?: unknown }> } } } });
    const containers = docs.filter((d) => d?.kind === 'Deployment').flatMap((d) => d.spec?.template?.spec?.containers ?? []).filter((c) => c.name === 'dept-api');
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.command).toBeUndefined();
      expect(c.args).toBeUndefined();
    }
  });
});
