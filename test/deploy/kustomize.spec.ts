// Builds every overlay, the base, and each component on the base with the pinned kustomize (plain
// `kustomize build`, the default load restrictor, as `kubectl apply -k` runs it), and checks every object against the Kubernetes 1.27 schemas (kubernetes-models) or, for the CRDs,
// structurally; then checks the lab's own rules (secrets, probes, non-root, policies, pairs).
import Ajv from 'ajv';
import { cpSync, readFileSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { CRD_SCHEMAS, K8S, ROOT, Obj, build, kustomizeBin, kustomizeBuild, kustomizations, modelFor, parseYamlDocs, podLabels, podSpec, readYaml, stackDir, Container } from './helpers';

const NAMESPACE = 'session-dev';
const SECRET = 'dept-lab-secrets';
const COMPONENTS = ['ha-mirrored', 'ha-dynomite', 'ha-envoy', 'envoy-prefix-mirror', 'monitoring', 'k6'];
// Dynomite is opt-in on EKS (no maintained public image: docker/dynomite/Dockerfile builds one).
const EKS_COMPONENTS = COMPONENTS.filter((c) => c !== 'ha-dynomite');
const OVERLAYS: Record<string, string[]> = {
  eks: EKS_COMPONENTS,
  stress: EKS_COMPONENTS,
  local: ['ha-mirrored', 'ha-dynomite', 'ha-envoy', 'envoy-prefix-mirror'],
};
const ajv = new Ajv({ allErrors: true, strict: false });
const crdValidators = Object.fromEntries(Object.entries(CRD_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

function validateObject(o: Obj): string[] {
  const key = `${o.apiVersion}/${o.kind}`;
  const crd = crdValidators[key];
  if (crd) {
    // A plain boolean: ajv's type guard would narrow `o` to never in the failure branch.
    const ok: boolean = crd(o);
    return ok ? [] : [`${key}/${o.metadata?.name}: ${ajv.errorsText(crd.errors)}`];
  }
  const Model = modelFor(o.apiVersion, o.kind);
  if (!Model) return [`${o.kind}/${o.metadata?.name}: no schema for ${o.apiVersion} ${o.kind}`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [`${o.kind}/${o.metadata.name}: ${(e as Error).message}`];
  }
}

const workloads = (objs: Obj[]) => objs.filter((o) => podSpec(o));
const containersOf = (o: Obj): Container[] => [...(podSpec(o)?.containers ?? []), ...(podSpec(o)?.initContainers ?? [])];
const byKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const secretKeysAllowed = readFileSync(join(K8S, 'secrets.env.example'), 'utf8')
  .split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l))
  .map((l) => l.split('=')[0]);

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Rules every build must satisfy, whatever components it has. */
function commonChecks(objs: Obj[]): string[] {
  const errors: string[] = [];
  for (const o of objs) errors.push(...validateObject(o));
  const names = new Set<string>();
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (names.has(id)) errors.push(`duplicate ${id}`);
    names.add(id);
    const clusterScoped = ['Namespace', 'StorageClass', 'PriorityClass'].includes(o.kind);
    if (!clusterScoped && o.metadata.namespace !== NAMESPACE) errors.push(`${o.kind}/${o.metadata.name} not in ${NAMESPACE}`);
    // Passwords: never a Secret or a ConfigMap built from the repo.
    if (o.kind === 'Secret') errors.push(`Secret ${o.metadata.name} generated from the repo`);
    if (o.kind === 'ConfigMap') {
      for (const [k, v] of Object.entries((o.data as Record<string, string>) ?? {})) {
        if (/pass(word)?|secret|token/i.test(k)) errors.push(`ConfigMap ${o.metadata.name} has key ${k}`);
        if (/^\s*(requirepass|masterauth)\s+\S/m.test(v) || /inline_string/.test(v)) errors.push(`ConfigMap ${o.metadata.name}/${k} holds a password`);
      }
    }
  }
  const configMaps = new Set(byKind(objs, 'ConfigMap').map((o) => o.metadata.name));
  for (const w of workloads(objs)) {
    const ps = podSpec(w)!;
    const where = `${w.kind}/${w.metadata.name}`;
    for (const v of ps.volumes ?? []) if (v.configMap && !configMaps.has(v.configMap.name)) errors.push(`${where}: ConfigMap ${v.configMap.name} missing`);
    for (const c of containersOf(w)) {
      const cw = `${where}/${c.name}`;
      // Non-root, read-only root filesystem, no privilege escalation, for every container.
      const nonRoot = c.securityContext?.runAsNonRoot ?? ps.securityContext?.runAsNonRoot;
      const uid = c.securityContext?.runAsUser ?? ps.securityContext?.runAsUser;
      if (nonRoot !== true || uid === 0 || uid === undefined) errors.push(`${cw}: not non-root with an explicit uid`);
      if (c.securityContext?.readOnlyRootFilesystem !== true) errors.push(`${cw}: root filesystem not read-only`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) errors.push(`${cw}: privilege escalation allowed`);
      for (const e of c.env ?? []) {
        if (/PASSWORD/.test(e.name) && e.value !== undefined) errors.push(`${cw}: ${e.name} as a literal`);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && (ref.name !== SECRET || !secretKeysAllowed.includes(ref.key))) errors.push(`${cw}: secret ${ref.name}/${ref.key} unknown`);
      }
      for (const ef of c.envFrom ?? []) if (ef.configMapRef && !configMaps.has(ef.configMapRef.name)) errors.push(`${cw}: envFrom ConfigMap ${ef.configMapRef.name} missing`);
      // The two apps' probes are the contract's /health/live and /health/ready.
      if (/redis-ha-lab\/(dept-api|redis-ha-agent)/.test(c.image)) {
        if (c.livenessProbe?.httpGet?.path !== '/health/live') errors.push(`${cw}: liveness probe is not /health/live`);
        if (c.readinessProbe?.httpGet?.path !== '/health/ready') errors.push(`${cw}: readiness probe is not /health/ready`);
      }
      if (w.kind !== 'Job' && !c.readinessProbe) errors.push(`${cw}: no readiness probe`);
    }
    const comp = podLabels(w)['app.kubernetes.io/component'];
    // Redis and MariaDB keep data on RWO volumes: StatefulSets with volumeClaimTemplates only.
    if (comp === 'redis' || comp === 'mariadb') {
      const vct = (w.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates;
      if (w.kind !== 'StatefulSet' || !vct?.length) errors.push(`${where}: stateful store without StatefulSet + volumeClaimTemplates`);
    }
  }
  // Services select pods that exist and name ports those pods expose.
  for (const s of byKind(objs, 'Service')) {
    const spec = s.spec as { selector: Record<string, string>; ports: Array<{ targetPort: string | number }> };
    const pods = workloads(objs).filter((w) => matches(spec.selector, podLabels(w)));
    if (!pods.length) errors.push(`Service ${s.metadata.name} selects no pod`);
    for (const p of spec.ports)
      for (const w of pods)
        if (typeof p.targetPort === 'string' && !containersOf(w).some((c) => c.ports?.some((cp) => cp.name === p.targetPort)))
          errors.push(`Service ${s.metadata.name}: port ${p.targetPort} not on ${w.metadata.name}`);
  }
  errors.push(...networkPolicyChecks(objs));
  errors.push(...pairChecks(objs));
  errors.push(...statefulChecks(objs));
  return errors;
}

/** StatefulSets: a headless governing Service, the stores' PriorityClass, startup/liveness probes. */
function statefulChecks(objs: Obj[]): string[] {
  const errors: string[] = [];
  const classes = new Set(byKind(objs, 'PriorityClass').map((p) => p.metadata.name));
  for (const s of byKind(objs, 'StatefulSet')) {
    const name = s.metadata.name;
    const svc = byKind(objs, 'Service').find((x) => x.metadata.name === (s.spec as { serviceName: string }).serviceName);
    const sspec = svc?.spec as { clusterIP?: string; selector: Record<string, string> } | undefined;
    if (!sspec || sspec.clusterIP !== 'None' || !matches(sspec.selector, podLabels(s))) errors.push(`${name}: serviceName is not a headless Service selecting its pods`);
    const pc = (podSpec(s) as { priorityClassName?: string }).priorityClassName;
    if (pc !== 'redis-ha-lab-data' || !classes.has(pc)) errors.push(`${name}: priorityClassName ${pc} (want redis-ha-lab-data, defined in the build)`);
    for (const c of containersOf(s) as Array<Container & { startupProbe?: unknown; livenessProbe?: unknown }>) {
      if (c.name === 'mariadb' && !c.startupProbe) errors.push(`${name}/mariadb: no startupProbe`);
      if (c.name === 'redis-exporter' && !c.livenessProbe) errors.push(`${name}/redis-exporter: no livenessProbe`);
    }
  }
  return errors;
}

const MIB: Record<string, number> = { mb: 1e6 / 2 ** 20, gb: 1e9 / 2 ** 20, mi: 1, gi: 1024, kb: 1e3 / 2 ** 20, k: 1e3 / 2 ** 20 };
function mib(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(v.trim());
  if (!m) throw new Error(`size ${v}`);
  const unit = m[2].toLowerCase();
  return unit === '' ? Number(m[1]) / 2 ** 20 : Number(m[1]) * (MIB[unit] ?? NaN);
}

/** Every Redis container: maxmemory (config file, or the command line that overrides it) below
 * its memory limit; persistent variants at most 40 % of it (an AOF rewrite fork can double the
 * footprint) with noeviction, the pure cache allkeys-lru. */
function maxmemoryChecks(objs: Obj[]): string[] {
  const errors: string[] = [];
  const cm = byKind(objs, 'ConfigMap').find((c) => c.metadata.name.startsWith('redis-config'));
  for (const s of byKind(objs, 'StatefulSet')) {
    const c = containersOf(s).find((x) => x.name === 'redis') as (Container & { args?: string[]; resources?: { limits?: { memory?: string } } }) | undefined;
    if (!c) continue;
    const where = `${s.metadata.name}/redis`;
    const key = (c.volumeMounts as Array<{ mountPath: string; subPath?: string }> | undefined)?.find((m) => m.mountPath === '/etc/redis/redis.conf')?.subPath;
    const conf = key ? (cm?.data as Record<string, string> | undefined)?.[key] : undefined;
    if (!conf) {
      errors.push(`${where}: no redis.conf from ConfigMap redis-config`);
      continue;
    }
    const args = c.args ?? [];
    const arg = (k: string) => (args.includes(`--${k}`) ? args[args.indexOf(`--${k}`) + 1] : undefined);
    const max = arg('maxmemory') ?? /^maxmemory (\S+)$/m.exec(conf)?.[1];
    const policy = arg('maxmemory-policy') ?? /^maxmemory-policy (\S+)$/m.exec(conf)?.[1];
    const limit = c.resources?.limits?.memory;
    if (!max || !limit) {
      errors.push(`${where}: maxmemory ${max} / memory limit ${limit}`);
      continue;
    }
    const persistent = /^appendonly yes$/m.test(conf);
    const ratio = mib(max) / mib(limit);
    if (ratio > (persistent ? 0.4 : 0.8)) errors.push(`${where}: maxmemory ${max} is ${Math.round(ratio * 100)} % of ${limit}`);
    if (policy !== (persistent ? 'noeviction' : 'allkeys-lru')) errors.push(`${where}: maxmemory-policy ${policy}`);
  }
  return errors;
}

/** Only labelled clients (dept-api, pair peers with their agents/proxies) reach Redis and MariaDB. */
function networkPolicyChecks(objs: Obj[]): string[] {
  const errors: string[] = [];
  const policies = byKind(objs, 'NetworkPolicy');
  if (!policies.some((p) => JSON.stringify((p.spec as { podSelector: unknown }).podSelector) === '{}' && !(p.spec as { ingress?: unknown }).ingress))
    errors.push('no default-deny ingress policy');
  for (const w of workloads(objs)) {
    const labels = podLabels(w);
    const comp = labels['app.kubernetes.io/component'];
    const envs = containersOf(w).flatMap((c) => c.env ?? []);
    const usesDb = envs.some((e) => e.name === 'DB_PASSWORD') || containersOf(w).some((c) => c.envFrom?.length);
    if (comp === 'dept-api' && usesDb && labels['lab.redis-ha/db-client'] !== 'true') errors.push(`${w.metadata.name}: DB client without the client label`);
    if (comp === 'redis' || comp === 'mariadb') {
      const selecting = policies.filter((p) => matches(((p.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels ?? {}), labels));
      const open = selecting.some((p) =>
        ((p.spec as { ingress?: Array<{ from?: unknown[] }> }).ingress ?? []).some((r) => !r.from || r.from.length === 0),
      );
      if (!selecting.some((p) => (p.spec as { ingress?: unknown[] }).ingress)) errors.push(`${w.metadata.name}: no ingress policy`);
      if (open) errors.push(`${w.metadata.name}: a policy lets any pod in`);
    }
  }
  errors.push(...redisScopeChecks(objs), ...k6PolicyChecks(objs));
  return errors;
}

type PolicyPeer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> } };
type PolicyRule = { from?: PolicyPeer[]; ports?: Array<{ protocol?: string; port: number | string }> };
const policySpec = (p: Obj) => p.spec as { podSelector: { matchLabels?: Record<string, string> }; ingress?: PolicyRule[] };

/** Workloads of this namespace that the policies let into pods of `target` (on `port`, if given). */
function admitted(objs: Obj[], target: Obj, port?: number): Set<string> {
  const out = new Set<string>();
  for (const p of byKind(objs, 'NetworkPolicy').filter((x) => matches(policySpec(x).podSelector.matchLabels ?? {}, podLabels(target))))
    for (const rule of policySpec(p).ingress ?? []) {
      if (port !== undefined && rule.ports?.length && !rule.ports.some((r) => r.port === port && (r.protocol ?? 'TCP') === 'TCP')) continue;
      for (const peer of rule.from ?? [])
        if (peer.podSelector && !peer.namespaceSelector)
          for (const w of workloads(objs)) if (matches(peer.podSelector.matchLabels ?? {}, podLabels(w))) out.add(w.metadata.name);
    }
  return out;
}

// Who may reach each Redis (and the prefix proxy): its own API, and for a pair the peer node
// (agent, Envoy, Dynomite). Nothing else, least of all into the password-less Dynomite pair.
const REDIS_CLIENTS: Record<string, string[]> = {
  'redis-cache': ['dept-redis'],
  'redis-aof': ['dept-redis-aof'],
  'redis-always': ['dept-redis-always'],
  'redis-ha-1': ['dept-ha-mirrored', 'redis-ha-1', 'redis-ha-2'],
  'redis-ha-2': ['dept-ha-mirrored', 'redis-ha-1', 'redis-ha-2'],
  'redis-dyno-1': ['dept-ha-dynomite', 'redis-dyno-1', 'redis-dyno-2'],
  'redis-dyno-2': ['dept-ha-dynomite', 'redis-dyno-1', 'redis-dyno-2'],
  'redis-envoy-1': ['dept-ha-envoy', 'redis-envoy-1', 'redis-envoy-2'],
  'redis-envoy-2': ['dept-ha-envoy', 'redis-envoy-1', 'redis-envoy-2'],
  'redis-master': ['redis-prefix-envoy'],
  'redis-departments': ['redis-prefix-envoy'],
  'redis-employees': ['redis-prefix-envoy'],
  'redis-prefix-envoy': ['dept-envoy-prefix'],
};

/** Redis access is scoped per variant and pair, and every Redis URL a pod dials is allowed. */
function redisScopeChecks(objs: Obj[]): string[] {
  const errors: string[] = [];
  const present = new Set(workloads(objs).map((w) => w.metadata.name));
  for (const w of workloads(objs).filter((x) => ['redis', 'redis-proxy'].includes(podLabels(x)['app.kubernetes.io/component']))) {
    const expected = REDIS_CLIENTS[w.metadata.name];
    if (!expected) {
      errors.push(`${w.metadata.name}: no expected client list (REDIS_CLIENTS in this spec)`);
      continue;
    }
    const got = [...admitted(objs, w)].sort();
    const want = expected.filter((n) => present.has(n)).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) errors.push(`${w.metadata.name}: reachable from [${got.join(', ')}], expected [${want.join(', ')}]`);
    // From other namespaces: only Prometheus, only on metrics ports (never Envoy's admin, 8001).
    for (const p of byKind(objs, 'NetworkPolicy').filter((x) => matches(policySpec(x).podSelector.matchLabels ?? {}, podLabels(w))))
      for (const rule of policySpec(p).ingress ?? [])
        for (const peer of rule.from ?? [])
          if (peer.namespaceSelector) {
            const ns = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
            const ports = (rule.ports ?? []).map((r) => Number(r.port));
            if (ns !== 'monitoring' || !ports.length || ports.some((x) => ![9121, 8081, 8002, 22222].includes(x)))
              errors.push(`${w.metadata.name}: policy ${p.metadata.name} admits namespace ${ns ?? '(any)'} on [${ports.join(', ')}]`);
          }
  }
  // Every Redis URL in a pod's environment resolves to a Service whose pods admit that pod.
  for (const w of workloads(objs)) {
    for (const e of containersOf(w).flatMap((c) => c.env ?? []).filter((x) => /^REDIS_(PEER_)?URL$/.test(x.name) && x.value)) {
      const m = /^redis:\/\/([^:/]+):(\d+)/.exec(e.value!);
      if (!m || m[1] === '127.0.0.1') continue;
      const svc = byKind(objs, 'Service').find((x) => x.metadata.name === m[1]);
      if (!svc) {
        errors.push(`${w.metadata.name}: ${e.name} names Service ${m[1]}, not in the build`);
        continue;
      }
      const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
      const sp = spec.ports.find((x) => x.port === Number(m[2]));
      for (const pod of workloads(objs).filter((x) => matches(spec.selector, podLabels(x)))) {
        const cport = typeof sp?.targetPort === 'number' ? sp.targetPort : containersOf(pod).flatMap((c) => c.ports ?? []).find((x) => x.name === sp?.targetPort)?.containerPort;
        if (cport === undefined || !admitted(objs, pod, cport).has(w.metadata.name)) errors.push(`${w.metadata.name}: ${e.name} ${e.value} refused by the policies of ${pod.metadata.name}`);
      }
    }
  }
  return errors;
}

/** k6-operator reaches the runners' REST API (6565) from its namespace, the starter from the TestRun's. */
function k6PolicyChecks(objs: Obj[]): string[] {
  if (!byKind(objs, 'ConfigMap').some((c) => c.metadata.name === 'k6-scripts')) return [];
  const policy = byKind(objs, 'NetworkPolicy').find((p) => matches(policySpec(p).podSelector.matchLabels ?? {}, { app: 'k6' }) && JSON.stringify(policySpec(p).podSelector) === JSON.stringify({ matchLabels: { app: 'k6' } }));
  if (!policy) return ['no NetworkPolicy admits the k6 runners (app: k6) on 6565'];
  const rules = (policySpec(policy).ingress ?? []).filter((r) => r.ports?.some((x) => x.port === 6565 && (x.protocol ?? 'TCP') === 'TCP'));
  const peers = rules.flatMap((r) => r.from ?? []);
  const errors: string[] = [];
  if (!peers.some((x) => x.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'k6-operator-system' && !x.podSelector)) errors.push('6565: operator namespace k6-operator-system not admitted');
  if (!peers.some((x) => x.podSelector?.matchLabels?.app === 'k6' && !x.namespaceSelector)) errors.push('6565: the starter (app: k6) not admitted');
  if (rules.some((r) => r.ports!.some((x) => x.port !== 6565))) errors.push('k6 runners: a port other than 6565 opened');
  return errors;
}

/** The two nodes of a pair: required anti-affinity on the pair label and a hard zone spread (both
 * relaxed to preferred in the local overlay), and a PDB. */
function pairChecks(objs: Obj[], relaxed = false): string[] {
  const errors: string[] = [];
  const pairs = new Map<string, Obj[]>();
  for (const w of byKind(objs, 'StatefulSet')) {
    const pair = podLabels(w)['lab.redis-ha/pair'];
    if (pair) pairs.set(pair, [...(pairs.get(pair) ?? []), w]);
  }
  for (const [pair, nodes] of pairs) {
    if (nodes.length !== 2) errors.push(`pair ${pair}: ${nodes.length} nodes`);
    for (const n of nodes) {
      const anti = podSpec(n)?.affinity?.podAntiAffinity as Record<string, Array<Record<string, unknown>>> | undefined;
      const required = anti?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      const ok = required.some((t) => t.topologyKey === 'kubernetes.io/hostname' && JSON.stringify(t.labelSelector).includes(pair));
      if (!ok && !(relaxed && anti?.preferredDuringSchedulingIgnoredDuringExecution)) errors.push(`${n.metadata.name}: no hostname anti-affinity within pair ${pair}`);
      // gp3 volumes pin a pod to its zone: the two nodes must start in different zones.
      const spread = ((podSpec(n) as { topologySpreadConstraints?: Array<{ maxSkew: number; topologyKey: string; whenUnsatisfiable: string; labelSelector?: { matchLabels?: Record<string, string> } }> }).topologySpreadConstraints ?? []).find(
        (t) => t.topologyKey === 'topology.kubernetes.io/zone' && t.labelSelector?.matchLabels?.['lab.redis-ha/pair'] === pair && t.maxSkew === 1,
      );
      if (!spread) errors.push(`${n.metadata.name}: no zone spread within pair ${pair}`);
      else if (spread.whenUnsatisfiable !== (relaxed ? 'ScheduleAnyway' : 'DoNotSchedule')) errors.push(`${n.metadata.name}: zone spread is ${spread.whenUnsatisfiable}`);
    }
    const pdb = byKind(objs, 'PodDisruptionBudget').find((p) =>
      matches((p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, { 'lab.redis-ha/pair': pair }),
    );
    if (!pdb || (pdb.spec as { minAvailable?: number }).minAvailable !== 1) errors.push(`pair ${pair}: no PodDisruptionBudget with minAvailable 1`);
  }
  return errors;
}

function expectClean(errors: string[]): void {
  // Print all problems at once; a bare toEqual([]) would too, but this keeps the list readable.
  if (errors.length) throw new Error(`${errors.length} problem(s):\n  ${errors.join('\n  ')}`);
}

/** Every file the k6 scripts load, keyed as the k6 component's ConfigMaps hold them. */
const k6Sources = (): Record<string, string> => {
  const out: Record<string, string> = {};
  const add = (dir: string, cm: string, skip: RegExp) => {
    if (!existsSync(join(ROOT, dir))) return;
    for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.ts') && !skip.test(n)))
      out[`${cm}:${f}`] = readFileSync(join(ROOT, dir, f), 'utf8');
  };
  // .d.ts files are editor-only type declarations; k6 never loads them.
  add('k6', 'k6-scripts', /\.(d|spec|test)\.ts$/);
  add('k6/lib', 'k6-lib', /\.(d|spec|test)\.ts$/);
  add('libs/scenarios/src', 'k6-scenarios', /\.(d|spec|test)\.ts$/);
  return out;
};

describe('plain kubectl apply -k (default load restrictor)', () => {
  it('every overlay folder is one this spec builds', () => {
    const dirs = readdirSync(join(K8S, 'overlays'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.sort()).toEqual(Object.keys(OVERLAYS).sort());
  });

  // `kubectl apply -k` has no --load-restrictor flag: each overlay must build without it.
  it.each(Object.keys(OVERLAYS))('kustomize build k8s/overlays/%s, no flags', (overlay) => {
    const objs = parseYamlDocs(kustomizeBuild(join(K8S, 'overlays', overlay)), overlay);
    expect(objs.length).toBeGreaterThan(0);
  });

  it('no kustomization loads a file from outside its own folder', () => {
    const errors: string[] = [];
    for (const { path, doc } of kustomizations()) {
      const dir = dirname(path);
      const where = relative(ROOT, path);
      const files: string[] = [];
      for (const g of [...(doc.configMapGenerator ?? []), ...(doc.secretGenerator ?? [])]) {
        for (const f of g.files ?? []) files.push(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
        files.push(...(g.envs ?? []), ...(g.env ? [g.env] : []));
      }
      for (const p of doc.patches ?? []) if (p.path) files.push(p.path);
      // resources/components may name other kustomization folders (../../base); a plain file must be local.
      for (const r of [...(doc.resources ?? []), ...(doc.components ?? [])]) if (!existsSync(join(dir, r, 'kustomization.yaml'))) files.push(r);
      for (const f of files) {
        const rel = relative(dir, resolve(dir, f));
        if (rel.startsWith('..')) errors.push(`${where}: ${f} is outside ${relative(ROOT, dir)} (copy it in with npm run k8s:sync)`);
      }
    }
    expectClean(errors);
  });
});

describe('kustomize base and components', () => {
  it('base alone', () => {
    const objs = build(join(K8S, 'base'));
    expectClean(commonChecks(objs));
    for (const n of ['mariadb', 'redis-cache', 'redis-aof', 'redis-always']) expect(objs.some((o) => o.kind === 'StatefulSet' && o.metadata.name === n)).toBe(true);
    for (const n of ['dept-mariadb', 'dept-redis', 'dept-redis-aof', 'dept-redis-always']) expect(objs.some((o) => o.kind === 'Deployment' && o.metadata.name === n)).toBe(true);
    expect(objs.find((o) => o.kind === 'Namespace')?.metadata.name).toBe(NAMESPACE);
  });

  it.each(COMPONENTS)('base + %s', (component) => {
    expectClean(commonChecks(build(stackDir(component, [component]))));
  });
});

describe.each(Object.entries(OVERLAYS))('overlay %s', (overlay, expected) => {
  let objs: Obj[];
  beforeAll(() => {
    objs = build(join(K8S, 'overlays', overlay));
  });

  it('enables the components it should', () => {
    const k = readYaml(join(K8S, 'overlays', overlay === 'stress' ? 'eks' : overlay, 'kustomization.yaml'))[0] as Obj & { components?: string[] };
    expect((k.components ?? []).map((c) => c.split('/').pop())).toEqual(expected);
  });

  it('every object is valid and follows the lab rules', () => {
    expectClean(overlay === 'local' ? commonChecks(objs).filter((e) => !/anti-affinity|zone spread/.test(e)).concat(pairChecks(objs, true)) : commonChecks(objs));
  });

  it('every Redis caps its memory below the container limit, with its variant\'s policy', () => {
    expect(byKind(objs, 'StatefulSet').filter((x) => containersOf(x).some((c) => c.name === 'redis')).length).toBeGreaterThan(3);
    expectClean(maxmemoryChecks(objs));
  });

  if (overlay !== 'local') {
    it('Ingress: internal ALB, HTTPS with an ACM certificate, source CIDRs, only /v1 and /api routed', () => {
      const ing = byKind(objs, 'Ingress');
      expect(ing).toHaveLength(1);
      const a = ing[0].metadata.annotations ?? {};
      expect(a['alb.ingress.kubernetes.io/scheme']).toBe('internal');
      expect(a['alb.ingress.kubernetes.io/certificate-arn']).toMatch(/^arn:aws:acm:/);
      expect(JSON.parse(a['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTPS: 443 }]);
      expect(a['alb.ingress.kubernetes.io/inbound-cidrs']).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+(,\s*\d+\.\d+\.\d+\.\d+\/\d+)*$/);
      expect(a['alb.ingress.kubernetes.io/inbound-cidrs']).not.toContain('0.0.0.0/0');
      const paths = ((ing[0].spec as { rules: Array<{ http: { paths: Array<{ path: string; pathType: string }> } }> }).rules).flatMap((r) => r.http.paths);
      for (const p of paths) expect([p.path, p.pathType]).toEqual([expect.stringMatching(/^\/(v1|api)$/), 'Prefix']);
    });

    it('monitoring: PrometheusRules for pair sync, mirror failures, degraded dependency, Redis down, restarts', () => {
      const rules = byKind(objs, 'PrometheusRule');
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) expect(r.metadata.labels?.release).toBe('kube-prometheus-stack');
      const all = rules.flatMap((r) => (r.spec as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }).groups.flatMap((g) => g.rules));
      const exprOf = (alert: string) => all.find((x) => x.alert === alert)?.expr ?? '';
      expect(exprOf('RedisHaPairOutOfSync')).toContain('redis_ha_agent_ready');
      expect(exprOf('RedisHaMirrorFailures')).toContain('dept_redis_ha_events{event="mirrorFailed"}');
      expect(exprOf('DeptApiDependencyDegraded')).toContain('dept_dependency_degraded');
      expect(exprOf('RedisDown')).toContain('redis_up');
      expect(exprOf('LabPodRestarting')).toContain('kube_pod_container_status_restarts_total');
    });

    it('puts every volume on the intended EBS class', () => {
      const classes = new Map(byKind(objs, 'StorageClass').map((s) => [s.metadata.name, s as Obj & { provisioner: string; parameters: Record<string, string> }]));
      expect(classes.get('gp3')?.parameters.type).toBe('gp3');
      for (const s of byKind(objs, 'StatefulSet')) {
        const vct = (s.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName?: string; resources: { requests: { storage: string } } } }> }).volumeClaimTemplates[0];
        const stressed = overlay === 'stress' && ['redis-aof', 'redis-always'].includes(s.metadata.name);
        const cls = vct.spec.storageClassName!;
        expect([s.metadata.name, cls]).toEqual([s.metadata.name, stressed ? 'io1-100iops' : 'gp3']);
        expect(classes.get(cls)?.provisioner).toBe('ebs.csi.aws.com');
        if (stressed) {
          // The study's 100 IOPS: io1 provisions iopsPerGB x size.
          const gib = Number(vct.spec.resources.requests.storage.replace(/Gi$/, ''));
          expect(Number(classes.get(cls)!.parameters.iopsPerGB) * gib).toBe(100);
        }
      }
    });

    it("uses the study's resources", () => {
      type Res = { resources?: { requests: Record<string, string>; limits: Record<string, string> } };
      const res = (name: string, container: string): Res | undefined => {
        const w = workloads(objs).find((x) => x.metadata.name === name);
        return w && (containersOf(w).find((c) => c.name === container) as Res | undefined);
      };
      expect(res('dept-redis', 'dept-api')?.resources).toEqual({ requests: { cpu: '500m', memory: '4Gi' }, limits: { cpu: '4', memory: '4Gi' } });
      expect(res('mariadb', 'mariadb')?.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
      const redis = overlay === 'stress' ? { requests: { cpu: '100m', memory: '4Gi' }, limits: { cpu: '100m', memory: '4Gi' } } : { requests: { cpu: '300m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
      expect(res('redis-aof', 'redis')?.resources).toEqual(redis);
      expect(res('redis-cache', 'redis')?.resources).toEqual({ requests: { cpu: '300m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    });

    it('monitoring: exporters beside every Redis, monitors, the dashboard', () => {
      for (const s of byKind(objs, 'StatefulSet').filter((w) => podLabels(w)['app.kubernetes.io/component'] === 'redis')) {
        const exp = containersOf(s).find((c) => c.name === 'redis-exporter');
        expect([s.metadata.name, !!exp]).toEqual([s.metadata.name, true]);
        // The Dynomite pair's Redis has no password: its exporter must not send AUTH.
        const hasPass = (exp!.env ?? []).some((e) => e.name === 'REDIS_PASSWORD');
        expect([s.metadata.name, hasPass]).toEqual([s.metadata.name, podLabels(s)['lab.redis-ha/pair'] !== 'redis-dyno']);
      }
      expect(byKind(objs, 'ServiceMonitor').length).toBeGreaterThan(0);
      expect(byKind(objs, 'PodMonitor').length).toBeGreaterThan(0);
      const dash = byKind(objs, 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
      const json = JSON.parse(Object.values(dash!.data as Record<string, string>)[0]) as { panels: Array<{ title: string }> };
      const titles = json.panels.map((p) => p.title.toLowerCase()).join('|');
      for (const t of ['tps', 'latency', 'error', 'cache hit', 'memory', 'commands', 'mirror failures', 'bootstrap']) expect(titles).toContain(t);
    });
  }
});

describe('Dynomite opted in on eks', () => {
  it('uncommenting the component builds, with the study resources, gp3 and exporters, and passes the rules', () => {
    // A copy of k8s/ under .run/ with the one line uncommented (the repo itself is not touched).
    const copy = join(ROOT, '.run', 'kustomize-check', 'k8s-eks-dynomite');
    rmSync(copy, { recursive: true, force: true });
    cpSync(K8S, copy, { recursive: true });
    const kfile = join(copy, 'overlays', 'eks', 'kustomization.yaml');
    const text = readFileSync(kfile, 'utf8');
    expect(text).toContain('  # - ../../components/ha-dynomite\n');
    writeFileSync(kfile, text.replace('  # - ../../components/ha-dynomite\n', '  - ../../components/ha-dynomite\n'));
    const out = execFileSync(kustomizeBin(), ['build', join(copy, 'overlays', 'eks')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const objs = parseYamlDocs(out, 'eks+dynomite');
    expectClean(commonChecks(objs).concat(maxmemoryChecks(objs)));
    for (const n of ['redis-dyno-1', 'redis-dyno-2']) {
      const s = byKind(objs, 'StatefulSet').find((x) => x.metadata.name === n)!;
      const c = (name: string) => containersOf(s).find((x) => x.name === name) as Container & { resources: { requests: Record<string, string> } };
      expect(c('dynomite').image).toBe('redis-ha-lab/dynomite:v0.6.22');
      expect(c('redis').resources.requests.cpu).toBe('300m');
      expect(c('redis-exporter')).toBeDefined();
      expect((s.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName: string } }> }).volumeClaimTemplates[0].spec.storageClassName).toBe('gp3');
    }
  });

  it('the image is built from a pinned upstream release, not pulled from an unmaintained one', () => {
    const df = readFileSync(join(ROOT, 'docker', 'dynomite', 'Dockerfile'), 'utf8');
    expect(df).toMatch(/^ARG DYNOMITE_VERSION=v\d+\.\d+\.\d+$/m);
    expect(df).toMatch(/^ARG DYNOMITE_COMMIT=[0-9a-f]{40}$/m);
    expect(df).toContain('git rev-parse HEAD)" = "${DYNOMITE_COMMIT}"');
    expect(df).toMatch(/^USER 999:999$/m);
    const all = readdirSync(join(K8S, 'components', 'ha-dynomite')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(K8S, 'components', 'ha-dynomite', f), 'utf8')).join('\n');
    expect(all).not.toMatch(/image: dynomitedb\//);
  });
});

describe('k6 scripts and runs', () => {
  const runsDir = join(K8S, 'components', 'k6', 'runs');
  const runs = readdirSync(runsDir).filter((f) => f.endsWith('.yaml')).flatMap((f) => readYaml(join(runsDir, f)));
  let scripts: Record<string, string>;
  beforeAll(() => {
    const objs = build(stackDir('k6', ['k6']));
    scripts = Object.fromEntries(
      byKind(objs, 'ConfigMap')
        .filter((c) => c.metadata.name.startsWith('k6-'))
        .flatMap((c) => Object.entries(c.data as Record<string, string>).map(([k, v]) => [`${c.metadata.name}:${k}`, v])),
    );
  });

  it('the ConfigMaps hold exactly the files in k6/ (no drift, nothing missing)', () => {
    // ConfigMap keys cannot contain "/": k6/*.ts, k6/lib/*.ts and libs/scenarios/src/*.ts each
    // get their own ConfigMap, laid out again by the TestRun's init container.
    const expected = k6Sources();
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(Object.keys(scripts).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect([k, scripts[k] === v]).toEqual([k, true]);
  });

  it('one valid TestRun per scenario, parallelism 2, scripts that exist', () => {
    const testRuns = runs.filter((o) => o.kind === 'TestRun');
    expect(testRuns.map((t) => t.metadata.name).sort()).toEqual(['get-departments', 'ha-write', 'kill', 'post-mariadb', 'post-redis']);
    for (const t of testRuns) {
      expectClean(validateObject(t));
      const spec = t.spec as {
        parallelism: number;
        script: { localFile: string };
        runner: { env: Array<{ name: string }>; volumes: Array<{ name: string; configMap?: { name: string } }>; initContainers: Array<{ command: string[] }> };
      };
      expect(spec.parallelism).toBe(2);
      expect(t.metadata.namespace).toBe(NAMESPACE);
      // /scripts/k6/<file>.ts is laid out from ConfigMap k6-scripts by the init container.
      const file = spec.script.localFile.replace(/^\/scripts\/k6\//, '');
      expect(scripts[`k6-scripts:${file}`]).toBeDefined();
      const cms = spec.runner.volumes.flatMap((v) => (v.configMap ? [v.configMap.name] : [])).sort();
      expect(cms).toEqual(['k6-lib', 'k6-scenarios', 'k6-scripts']);
      // Same layout in every run: the script's relative imports (./lib, ../libs/scenarios) resolve.
      expect(spec.runner.initContainers[0].command.join(' ')).toContain('/scripts/libs/scenarios/src');
      for (const v of ['BASE_URLS', 'VUS', 'DURATION', 'RAMP_UP', 'ROWS']) expect(spec.runner.env.map((e) => e.name)).toContain(v);
    }
  });

  it('the kill Job: standalone, pair-node and pair-node-empty modes, RBAC limited to the pods and PVCs it names', () => {
    const job = runs.find((o) => o.kind === 'Job')!;
    expectClean(validateObject(job));
    const rbac = readYaml(join(K8S, 'components', 'k6', 'rbac.yaml'));
    for (const o of rbac) expectClean(validateObject(o));
    const role = rbac.find((o) => o.kind === 'Role') as Obj & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }> };
    const c = podSpec(job)!.containers[0] as Container & { command: string[] };
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ KILL_AFTER_SECONDS: '100', KILL_MODE: 'standalone', TARGET_POD: 'redis-cache-0', TESTRUN: 'kill' });
    const script = c.command.join('\n');
    for (const mode of ['standalone', 'pair-node', 'pair-node-empty']) expect(script).toContain(`${mode}:`);
    // The empty restart deletes the node's PVC before the pod, so the pod returns on a new volume.
    expect(script.indexOf('/persistentvolumeclaims/${PVC}" >/dev/null')).toBeLessThan(script.indexOf('/pods/${TARGET_POD}" >/dev/null'));
    const rule = (res: string) => role.rules.find((r) => r.resources.includes(res))!;
    expect(rule('pods').verbs.sort()).toEqual(['delete', 'get']);
    expect(rule('pods').resourceNames).toContain(env.TARGET_POD);
    const pairPods = ['redis-ha-1-0', 'redis-ha-2-0', 'redis-envoy-1-0', 'redis-envoy-2-0', 'redis-dyno-1-0', 'redis-dyno-2-0'];
    for (const pod of pairPods) {
      expect(rule('pods').resourceNames).toContain(pod);
      // volumeClaimTemplates "data" + pod name: the PVC the StatefulSet made for that pod.
      expect(rule('persistentvolumeclaims').resourceNames).toContain(`data-${pod}`);
    }
    // No standalone volume can be wiped: only the pairs' nodes have a peer to bootstrap from.
    expect(rule('persistentvolumeclaims').resourceNames!.every((n) => pairPods.includes(n.replace(/^data-/, '')))).toBe(true);
    expect(rule('testruns').resourceNames!.sort()).toEqual(['ha-write', 'kill']);
    // Nothing broader: every rule names its objects; no list, watch or wildcard.
    for (const r of role.rules) {
      expect(r.resourceNames?.length).toBeGreaterThan(0);
      expect(r.verbs.every((v) => ['delete', 'get'].includes(v))).toBe(true);
      expect(r.resources.every((x) => ['pods', 'persistentvolumeclaims', 'testruns'].includes(x))).toBe(true);
    }
    expect((podSpec(job) as unknown as { serviceAccountName: string }).serviceAccountName).toBe('redis-killer');
  });

  it('every TestRun: cleanup post, runners below Redis and never preempting, starter and runners admitted on 6565', () => {
    const pcs = readYaml(join(K8S, 'base', 'priority-classes.yaml')) as Array<Obj & { value: number; preemptionPolicy: string }>;
    const load = pcs.find((p) => p.metadata.name === 'redis-ha-lab-load')!;
    const data = pcs.find((p) => p.metadata.name === 'redis-ha-lab-data')!;
    expect(load.preemptionPolicy).toBe('Never');
    expect(load.value).toBeLessThan(data.value);
    for (const t of runs.filter((o) => o.kind === 'TestRun')) {
      const spec = t.spec as { cleanup?: string; runner: { priorityClassName?: string; metadata: { labels: Record<string, string> } }; starter?: { metadata?: { labels?: Record<string, string> } } };
      expect([t.metadata.name, spec.cleanup, spec.runner.priorityClassName]).toEqual([t.metadata.name, 'post', 'redis-ha-lab-load']);
      expect([t.metadata.name, spec.runner.metadata.labels.app, spec.starter?.metadata?.labels?.app]).toEqual([t.metadata.name, 'k6', 'k6']);
    }
  });
});
