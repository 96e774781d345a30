// docker-compose.yml checked offline (no Docker engine here): images/builds, ports, healthchecks,
// depends_on, profiles, mounted files, and that no secret value is written in it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './helpers';

type Service = {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  volumes?: string[];
  network_mode?: string;
  labels?: Record<string, string>;
  environment?: Record<string, string>;
  command?: string[];
};
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// merge: true resolves the `<<:` keys compose uses for the shared x- blocks.
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const PROFILES = ['ha-mirrored', 'ha-dynomite', 'ha-envoy', 'envoy-prefix', 'monitoring', 'k6'];

describe('docker-compose.yml', () => {
  it('has the study topology', () => {
    for (const s of ['mariadb', 'redis-cache', 'redis-aof', 'redis-always', 'dept-mariadb', 'dept-redis', 'dept-redis-aof', 'dept-redis-always', 'k6'])
      expect(Object.keys(services)).toContain(s);
    const used = new Set(Object.values(services).flatMap((s) => s.profiles ?? []));
    expect([...used].sort()).toEqual([...PROFILES].sort());
  });

  it('every service has an image or a build whose Dockerfile and target exist', () => {
    for (const [name, s] of Object.entries(services)) {
      expect([name, !!(s.image || s.build)]).toEqual([name, true]);
      if (s.build) {
        const dockerfile = readFileSync(join(ROOT, s.build.context, s.build.dockerfile ?? 'Dockerfile'), 'utf8');
        if (s.build.target) expect([name, new RegExp(`^FROM .* AS ${s.build.target}$`, 'm').test(dockerfile)]).toEqual([name, true]);
      }
    }
  });

  it('host ports are unique and bound to localhost', () => {
    const seen = new Map<string, string>();
    for (const [name, s] of Object.entries(services))
      for (const p of s.ports ?? []) {
        const parts = p.split(':');
        expect([name, parts.length === 3 && parts[0] === '127.0.0.1']).toEqual([name, true]);
        const host = parts[1];
        expect([host, seen.get(host)]).toEqual([host, undefined]);
        seen.set(host, name);
      }
  });

  it('every server has a healthcheck (exemptions say why)', () => {
    for (const [name, s] of Object.entries(services)) {
      const exempt = s.labels?.['lab.healthcheck']?.startsWith('none:');
      expect([name, !!s.healthcheck || !!exempt]).toEqual([name, true]);
    }
  });

  it('every depends_on and network_mode names a service, with a health condition when it has one', () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }])) : s.depends_on ?? {};
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect([name, dep, dep in services]).toEqual([name, dep, true]);
        if (services[dep].healthcheck) expect([name, dep, condition]).toEqual([name, dep, 'service_healthy']);
        // A service in no profile must not wait on one that only runs in a profile.
        if (!s.profiles && services[dep].profiles) throw new Error(`${name} depends on profile-only ${dep}`);
        if (s.profiles && services[dep].profiles) expect(s.profiles.some((p) => services[dep].profiles!.includes(p))).toBe(true);
      }
      const nm = s.network_mode?.match(/^service:(.+)$/)?.[1];
      if (nm) {
        expect([name, nm in services]).toEqual([name, true]);
        // Sharing a namespace means starting after its owner.
        expect([name, Object.keys(deps).includes(nm)]).toEqual([name, true]);
        expect(s.ports).toBeUndefined();
      }
    }
  });

  it('every bind-mounted file or folder exists and named volumes are declared', () => {
    for (const [name, s] of Object.entries(services))
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0];
        if (src.startsWith('.')) expect([name, src, existsSync(resolve(ROOT, src))]).toEqual([name, src, true]);
        else expect([name, src in (compose.volumes ?? {})]).toEqual([name, true]);
      }
  });

  it('holds no secret values: passwords come from .env', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(s.environment ?? {}))
        if ((/PASSWORD$/.test(k) || k === 'REDISCLI_AUTH') && v !== '') expect([name, k, /^\$\{[A-Z_]+(:\?[^}]*)?\}$/.test(String(v))]).toEqual([name, k, true]);
      const cmd = s.command ?? [];
      cmd.forEach((arg, i) => {
        // The value after --requirepass / --masterauth is always a reference to .env.
        if (/^--(requirepass|masterauth)$/.test(arg)) expect([name, cmd[i + 1]]).toEqual([name, expect.stringMatching(/^\$\{[A-Z_]+(:\?[^}]*)?\}$/)]);
      });
    }
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    for (const line of example.split('\n').filter((l) => /PASSWORD=/.test(l))) expect(line).toMatch(/=$/);
    // Every ${VAR:?...} the file requires is documented in .env.example.
    for (const m of text.matchAll(/\$\{([A-Z_]+):\?/g)) expect(example).toMatch(new RegExp(`^${m[1]}=`, 'm'));
  });

  it('the dept-api services follow the environment contract', () => {
    const dept = Object.entries(services).filter(([, s]) => s.build?.target === 'dept-api');
    expect(dept.length).toBeGreaterThanOrEqual(4);
    for (const [name, s] of dept) {
      const env = s.environment!;
      expect(env.APP_NAME).toBe(name);
      expect(['single', 'mirrored', 'none']).toContain(env.REDIS_MODE);
      if (env.REDIS_MODE !== 'none') expect(env.REDIS_URL).toMatch(/^redis:\/\/[a-z0-9-]+:\d+$/);
      if (env.REDIS_MODE === 'mirrored') expect(env.REDIS_PEER_URL).toMatch(/^redis:\/\//);
      for (const k of ['PORT', 'HOST', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'DB_MIGRATE', 'REDIS_OP_TIMEOUT_MS', 'CACHE_TTL_SECONDS', 'BODY_LIMIT_BYTES', 'LOG_LEVEL'])
        expect([name, k, k in env]).toEqual([name, k, true]);
    }
    expect(services['dept-mariadb'].environment!.REDIS_MODE).toBe('none');
  });

  it('the MariaDB init creates the study table and its nine rows', () => {
    const sql = readFileSync(join(ROOT, 'deploy/mariadb/init/01-departments.sql'), 'utf8');
    expect(sql).toMatch(/dept_no\s+varchar\(40\) NOT NULL PRIMARY KEY/);
    expect(sql).toMatch(/dept_name varchar\(40\) NOT NULL UNIQUE/);
    expect([...sql.matchAll(/\('d00\d', '[^']+'\)/g)].length).toBe(9);
    expect(sql).toContain("('d001', 'Marketing')");
  });

  it('the Redis variants use the study settings', () => {
    const conf = (f: string) => readFileSync(join(ROOT, 'deploy/redis', f), 'utf8');
    expect(conf('redis-cache.conf')).toMatch(/^appendonly no$/m);
    expect(conf('redis-aof.conf')).toMatch(/^appendonly yes$/m);
    expect(conf('redis-aof.conf')).toMatch(/^appendfsync everysec$/m);
    expect(conf('redis-always.conf')).toMatch(/^appendfsync always$/m);
  });

  it('every service is hardened like the pods: no capabilities, no privilege gain, read-only root', () => {
    for (const [name, s] of Object.entries(services) as Array<[string, Service & { cap_drop?: string[]; security_opt?: string[]; read_only?: boolean; user?: string }]>) {
      expect([name, s.cap_drop]).toEqual([name, ['ALL']]);
      expect([name, s.security_opt]).toEqual([name, ['no-new-privileges:true']]);
      expect([name, s.read_only]).toEqual([name, true]);
      // Images whose entrypoint would need root (chown, gosu, su-exec) start as their own uid.
      if (/^(redis|mariadb):|envoyproxy\/envoy/.test(String(s.image))) expect([name, s.user]).toEqual([name, expect.stringMatching(/^[1-9][0-9]*:[1-9][0-9]*$/)]);
    }
  });

  it('every Redis config caps memory with the policy of its variant', () => {
    for (const f of readdirSync(join(ROOT, 'deploy/redis')).filter((x) => x.endsWith('.conf'))) {
      const conf = readFileSync(join(ROOT, 'deploy/redis', f), 'utf8');
      const persistent = /^appendonly yes$/m.test(conf);
      expect([f, /^maxmemory \d+mb$/m.test(conf)]).toEqual([f, true]);
      expect([f, conf.match(/^maxmemory-policy (\S+)$/m)?.[1]]).toEqual([f, persistent ? 'noeviction' : 'allkeys-lru']);
    }
  });
});
