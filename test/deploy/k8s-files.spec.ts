// The files the kustomize generators read are copies, kept inside each kustomization folder
// (`<folder>/files/<path in the repo>`) so that plain `kubectl apply -k` works. Their sources in
// deploy/, k6/ and libs/scenarios/src/ stay the single source of truth (docker-compose.yml mounts
// them). These checks fail on any drift and name the fix: `npm run k8s:sync`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ROOT, kustomizations } from './helpers';

const FIX = 'npm run k8s:sync';
const SCRIPT = join(ROOT, 'scripts', 'sync-k8s-files.js');
type Copy = { source: string; copy: string };
const syncScript = require(SCRIPT) as { plan(root?: string): Copy[]; sync(root?: string): string[]; FIX: string };

const toPosix = (p: string) => p.split('\\').join('/');

/** Every file under a `files/` folder of a kustomization, repo-relative. */
function filesOnDisk(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const p = join(abs, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(toPosix(relative(root, p)));
    }
  };
  for (const { path } of kustomizations()) {
    const files = join(root, relative(ROOT, dirname(path)), 'files');
    if (existsSync(files)) walk(files);
  }
  return out.sort();
}

/** Drift between sources and copies, checked here byte for byte (not by the script itself). */
function drift(root: string, plan: Copy[]): string[] {
  const problems: string[] = [];
  for (const { source, copy } of plan) {
    const src = join(root, source);
    const dst = join(root, copy);
    if (!existsSync(src)) problems.push(`${source}: source missing`);
    else if (!existsSync(dst)) problems.push(`${copy}: missing (copy of ${source})`);
    else if (!readFileSync(src).equals(readFileSync(dst))) problems.push(`${copy}: differs from its source ${source}`);
  }
  const planned = new Set(plan.map((p) => p.copy));
  for (const f of filesOnDisk(root)) if (!planned.has(f)) problems.push(`${f}: stale, not a copy of any source`);
  return problems;
}

function expectNoDrift(problems: string[]): void {
  if (problems.length)
    throw new Error(`k8s file copies are out of date; run \`${FIX}\` (never edit the copies, edit the source):\n  ${problems.join('\n  ')}`);
}

describe('k8s file copies (npm run k8s:sync)', () => {
  const plan = syncScript.plan();

  it('the fix named in failures is the package.json script', () => {
    expect(syncScript.FIX).toBe(FIX);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['k8s:sync']).toBe('node scripts/sync-k8s-files.js');
  });

  it('copies every source into a files/ folder of a kustomization', () => {
    expect(plan.length).toBeGreaterThan(0);
    const roots = new Set(kustomizations().map(({ path }) => toPosix(relative(ROOT, dirname(path)))));
    for (const { source, copy } of plan) {
      // <kustomization>/files/<the source's path in the repo>
      const m = copy.match(/^(.*)\/files\/(.*)$/);
      expect([copy, m && roots.has(m[1]) && m[2] === source]).toEqual([copy, true]);
    }
  });

  it('every copy is byte-identical to its source, none missing, none stale', () => {
    expectNoDrift(drift(ROOT, plan));
  });

  it('every generator reads a copy, and every copy is read, under the source file name', () => {
    const read = new Set<string>();
    const errors: string[] = [];
    for (const { path, doc } of kustomizations()) {
      const dir = dirname(path);
      for (const g of [...(doc.configMapGenerator ?? []), ...(doc.secretGenerator ?? [])])
        for (const f of g.files ?? []) {
          const [key, file] = f.includes('=') ? [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] : [basename(f), f];
          const repoPath = toPosix(relative(ROOT, resolve(dir, file)));
          read.add(repoPath);
          const item = plan.find((p) => p.copy === repoPath);
          if (!item) errors.push(`${toPosix(relative(ROOT, path))}: ${g.name} reads ${file}, which is not a copy made by ${FIX}`);
          // ConfigMap keys stay the source's file name (the pods and TestRuns mount them by it).
          else if (key !== basename(item.source)) errors.push(`${toPosix(relative(ROOT, path))}: key ${key} for ${item.source}`);
        }
    }
    for (const { copy } of plan) if (!read.has(copy)) errors.push(`${copy}: copied but no generator reads it (add it to the kustomization.yaml)`);
    if (errors.length) throw new Error(errors.join('\n'));
  });

  it('`node scripts/sync-k8s-files.js --check` agrees', () => {
    expect(execFileSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8', cwd: ROOT })).toMatch(/up to date/);
  });

  it('a drifted, missing or stale copy fails with the command that fixes it', () => {
    // A scratch tree under .run/ (git-ignored) holding the sources, the copies and the k8s folders.
    const tmp = join(ROOT, '.run', 'k8s-files-check');
    rmSync(tmp, { recursive: true, force: true });
    for (const { source, copy } of plan)
      for (const f of [source, copy]) {
        mkdirSync(dirname(join(tmp, f)), { recursive: true });
        cpSync(join(ROOT, f), join(tmp, f));
      }
    expect(drift(tmp, plan)).toEqual([]);
    const [a, b] = plan;
    writeFileSync(join(tmp, a.copy), Buffer.concat([readFileSync(join(tmp, a.copy)), Buffer.from(' ')]));
    rmSync(join(tmp, b.copy));
    const stale = `${dirname(a.copy)}/old.conf`;
    writeFileSync(join(tmp, stale), 'x');
    const problems = drift(tmp, plan);
    expect(problems).toEqual([`${a.copy}: differs from its source ${a.source}`, `${b.copy}: missing (copy of ${b.source})`, `${stale}: stale, not a copy of any source`]);
    expect(() => expectNoDrift(problems)).toThrow(`run \`${FIX}\``);
    // And the script repairs exactly that.
    expect(syncScript.sync(tmp).sort()).toEqual([`removed ${stale}`, `wrote   ${a.copy}`, `wrote   ${b.copy}`].sort());
    expect(drift(tmp, plan)).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  });
});
