// Envoy configs: every route names a defined cluster, each sidecar mirrors to the PEER's Redis
// (6379) and never to an Envoy (6380: a mirror loop), and the listener ports match the Services
// of the Kubernetes build and the compose file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mkdirSync, writeFileSync } from 'node:fs';
import { K8S, ROOT, Obj, build, envoyValidate, stackDir } from './helpers';

type Addr = { socket_address: { address: string; port_value: number } };
type Route = { prefix?: string; cluster: string; request_mirror_policy?: Array<{ cluster: string; exclude_read_commands?: boolean }> };
type Cluster = { name: string; type: string; load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: Addr } }> }> }; health_checks?: Array<{ custom_health_check?: { name: string } }> };
type EnvoyConfig = {
  admin: { address: Addr };
  static_resources: {
    listeners: Array<{ address: Addr; filter_chains: Array<{ filters: Array<{ name: string; typed_config: { settings: { op_timeout: string }; prefix_routes: { routes?: Route[]; catch_all_route?: Route }; downstream_auth_passwords?: unknown[] } }> }> }>;
    clusters: Cluster[];
  };
};
const load = (f: string) => parse(readFileSync(join(ROOT, 'deploy/envoy', f), 'utf8')) as EnvoyConfig;
const proxyOf = (c: EnvoyConfig) => c.static_resources.listeners[0].filter_chains[0].filters[0];
const routesOf = (c: EnvoyConfig): Route[] => {
  const pr = proxyOf(c).typed_config.prefix_routes;
  return [...(pr.routes ?? []), ...(pr.catch_all_route ? [pr.catch_all_route] : [])];
};
const endpointsOf = (c: Cluster) => c.load_assignment.endpoints.flatMap((e) => e.lb_endpoints.map((l) => l.endpoint.address.socket_address));
const FILES = ['redis-envoy-1.yaml', 'redis-envoy-2.yaml', 'redis-prefix-envoy.yaml'];

describe('Envoy configs', () => {
  it.each(FILES)('%s: redis_proxy on 6380, admin 8001 (loopback), routes name defined clusters, op_timeout 5s, health checks', (f) => {
    const c = load(f);
    expect(c.static_resources.listeners[0].address.socket_address.port_value).toBe(6380);
    expect(c.admin.address.socket_address.port_value).toBe(8001);
    const proxy = proxyOf(c);
    expect(proxy.name).toBe('envoy.filters.network.redis_proxy');
    expect(proxy.typed_config.settings.op_timeout).toBe('5s');
    const names = new Set(c.static_resources.clusters.map((x) => x.name));
    for (const r of routesOf(c)) {
      expect(names.has(r.cluster)).toBe(true);
      for (const m of r.request_mirror_policy ?? []) {
        expect(names.has(m.cluster)).toBe(true);
        expect(m.exclude_read_commands).toBe(true);
        expect(m.cluster).not.toBe(r.cluster);
      }
    }
    for (const cl of c.static_resources.clusters.filter((x) => x.name !== 'envoy_admin')) {
      expect(cl.type).toBe('STRICT_DNS');
      expect(cl.health_checks?.[0]?.custom_health_check?.name).toBe('envoy.health_checkers.redis');
      // Never an upstream on an Envoy port: mirroring into a proxy that mirrors back loops.
      for (const ep of endpointsOf(cl)) expect(ep.port_value).toBe(6379);
    }
    // Passwords from the environment (Secret / .env), never inline.
    expect(JSON.stringify(c)).not.toContain('inline_string');
  });

  it.each(FILES)('%s: admin on loopback, only GET /ready and /stats/prometheus forwarded on 8002', (f) => {
    const c = load(f);
    expect(c.admin.address.socket_address.address).toBe('127.0.0.1');
    expect(JSON.stringify(c.admin)).not.toContain('access_log_path');
    const l = c.static_resources.listeners[1] as unknown as { name: string; address: Addr; filter_chains: Array<{ filters: Array<{ typed_config: { route_config: { virtual_hosts: Array<{ routes: Array<{ match: { path?: string; prefix?: string }; route: { cluster: string } }> }> } } }> }> };
    expect([l.name, l.address.socket_address]).toEqual(['admin_readonly', { address: '0.0.0.0', port_value: 8002 }]);
    const routes = l.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts.flatMap((v) => v.routes);
    expect(routes.map((r) => r.match.path).sort()).toEqual(['/ready', '/stats/prometheus']);
    expect(routes.every((r) => r.match.prefix === undefined && r.route.cluster === 'envoy_admin')).toBe(true);
  });

  it.each([
    ['redis-envoy-1.yaml', 'redis-envoy-2'],
    ['redis-envoy-2.yaml', 'redis-envoy-1'],
  ])('%s sends to its local Redis and mirrors writes to %s:6379', (f, peer) => {
    const c = load(f);
    const [route] = routesOf(c);
    const cluster = (n: string) => c.static_resources.clusters.find((x) => x.name === n)!;
    expect(endpointsOf(cluster(route.cluster))).toEqual([{ address: '127.0.0.1', port_value: 6379 }]);
    expect(route.request_mirror_policy).toHaveLength(1);
    expect(endpointsOf(cluster(route.request_mirror_policy![0].cluster))).toEqual([{ address: peer, port_value: 6379 }]);
  });

  it('prefix routing: departments and employees mirrored to their read replicas', () => {
    const routes = routesOf(load('redis-prefix-envoy.yaml'));
    const mirrorOf = (p: string) => routes.find((r) => r.prefix === p)?.request_mirror_policy?.[0].cluster;
    expect(mirrorOf('departments')).toBe('redis-departments');
    expect(mirrorOf('employees')).toBe('redis-employees');
    expect(routes.every((r) => r.cluster === 'redis-master')).toBe(true);
  });

  describe('ports match Kubernetes and compose', () => {
    let objs: Obj[];
    beforeAll(() => {
      objs = build(stackDir('envoy-ports', ['ha-envoy', 'envoy-prefix-mirror']));
    });
    const svcPorts = (name: string) => ((objs.find((o) => o.kind === 'Service' && o.metadata.name === name)?.spec as { ports: Array<{ port: number }> })?.ports ?? []).map((p) => p.port);

    it('Services expose the listener and the peer Redis port each config dials', () => {
      for (const [file, svc] of [['redis-envoy-1.yaml', 'redis-envoy-1'], ['redis-envoy-2.yaml', 'redis-envoy-2'], ['redis-prefix-envoy.yaml', 'redis-prefix-envoy']]) {
        const c = load(file);
        expect(svcPorts(svc)).toContain(c.static_resources.listeners[0].address.socket_address.port_value);
        // Admin stays on loopback; the Service carries only the read-only admin listener (8002).
        expect(svcPorts(svc)).not.toContain(c.admin.address.socket_address.port_value);
        expect(svcPorts(svc)).toContain(c.static_resources.listeners[1].address.socket_address.port_value);
        for (const cl of c.static_resources.clusters)
          for (const ep of endpointsOf(cl)) if (ep.address !== '127.0.0.1') expect([ep.address, svcPorts(ep.address)]).toEqual([ep.address, expect.arrayContaining([ep.port_value])]);
      }
      expect(svcPorts('redis-envoy')).toEqual([6380]);
    });

    it('each pod loads its own config from the generated ConfigMap', () => {
      for (const n of ['redis-envoy-1', 'redis-envoy-2']) {
        const sts = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === n)!;
        const envoy = (sts.spec as { template: { spec: { containers: Array<{ name: string; args: string[] }> } } }).template.spec.containers.find((c) => c.name === 'envoy')!;
        expect(envoy.args).toContain(`/etc/envoy/${n}.yaml`);
        const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('envoy-sidecar'))!;
        expect((cm.data as Record<string, string>)[`${n}.yaml`]).toBe(readFileSync(join(ROOT, 'deploy/envoy', `${n}.yaml`), 'utf8'));
      }
    });

    it('compose: the sidecar Envoy shares its Redis node, which carries the common alias', () => {
      const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { network_mode?: string; volumes?: string[]; networks?: { default?: { aliases?: string[] } } }> };
      for (const [envoy, node] of [['envoy-1', 'redis-envoy-1'], ['envoy-2', 'redis-envoy-2']]) {
        expect(compose.services[envoy].network_mode).toBe(`service:${node}`);
        expect(compose.services[envoy].volumes?.[0]).toContain(`deploy/envoy/${node}.yaml`);
        expect(compose.services[node].networks?.default?.aliases).toContain('redis-envoy');
      }
      expect(K8S).toBeTruthy();
    });
  });

  // Envoy's own API: tools/envoy-validate parses each file into envoy.config.bootstrap.v3.Bootstrap
  // (protojson, unknown fields refused, typed_config resolved) and runs ValidateAll() (the
  // protoc-gen-validate rules), and reports deprecated fields.
  describe("Envoy's protobuf API (go-control-plane)", () => {
    it('every config is a valid Bootstrap with no deprecated field', () => {
      const files = FILES.map((f) => join(ROOT, 'deploy/envoy', f));
      const r = envoyValidate(files);
      expect(r.out.trim().split('\n')).toEqual(files.map((f) => `${f}: OK`));
      expect(r.status).toBe(0);
    });

    it("the API release checked against is the one nearest the Envoy image (bump them together)", () => {
      const mod = /github\.com\/envoyproxy\/go-control-plane\/envoy v1\.(\d+)\.\d+/.exec(readFileSync(join(ROOT, 'tools/envoy-validate/go.mod'), 'utf8'));
      const images = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').match(/envoyproxy\/envoy:v1\.(\d+)\.\d+/g) ?? [];
      expect(mod).not.toBeNull();
      expect(images.length).toBeGreaterThan(0);
      for (const img of images) expect(Number(mod![1]) - Number(/v1\.(\d+)/.exec(img)![1])).toBeLessThanOrEqual(1);
    });

    it('the validator refuses an unknown field, a broken rule and a deprecated field', () => {
      const dir = join(ROOT, '.run', 'envoy-validate-check');
      mkdirSync(dir, { recursive: true });
      const good = readFileSync(join(ROOT, 'deploy/envoy/redis-envoy-1.yaml'), 'utf8');
      const cases: Array<[string, string, RegExp]> = [
        ['unknown.yaml', good.replace('stat_prefix: egress_redis', 'stat_prefix: egress_redis\n                stat_prefx: typo'), /unknown field "stat_prefx"/],
        ['rule.yaml', good.replace('stat_prefix: egress_redis', 'stat_prefix: ""'), /StatPrefix: value length must be at least 1/],
        ['deprecated.yaml', good.replace('admin:\n', 'admin:\n  access_log_path: /dev/null\n'), /access_log_path: deprecated field/],
      ];
      for (const [name, text, expected] of cases) {
        expect(text).not.toBe(good);
        writeFileSync(join(dir, name), text);
        const r = envoyValidate([join(dir, name)]);
        expect(r.status).toBe(1);
        expect(r.out).toMatch(expected);
      }
    });
  });
});
