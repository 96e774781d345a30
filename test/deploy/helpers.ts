// Shared helpers for the offline deployment checks: the pinned kustomize, YAML loading, and
// Kubernetes schema validation with kubernetes-models (generated from Kubernetes 1.27.1).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as models from 'kubernetes-models';

export const ROOT = join(__dirname, '..', '..');
export const K8S = join(ROOT, 'k8s');
export const KUSTOMIZE_VERSION = 'v5.8.2';
const KUSTOMIZE = join(ROOT, '.run', 'bin', 'kustomize');

export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Installs the pinned kustomize once (scripts/install-kustomize.sh) and returns its path. */
export function kustomizeBin(): string {
  const ok = existsSync(KUSTOMIZE) && execFileSync(KUSTOMIZE, ['version'], { encoding: 'utf8' }).includes(KUSTOMIZE_VERSION);
  if (!ok) {
    execFileSync('bash', [join(ROOT, 'scripts', 'install-kustomize.sh')], {
      stdio: 'inherit',
      env: { ...process.env, KUSTOMIZE_VERSION },
    });
  }
  return KUSTOMIZE;
}

/**
 * Plain `kustomize build <dir>`, with the default load restrictor, as `kubectl apply -k` runs it.
 * The configMapGenerators read copies inside each kustomization folder (`files/`, written by
 * `npm run k8s:sync` from deploy/, k6/ and libs/scenarios/src/); k8s-files.spec.ts checks them.
 */
/** Builds tools/envoy-validate once (scripts/install-envoy-validate.sh) and returns its path. */
export function envoyValidateBin(): string {
  execFileSync('bash', [join(ROOT, 'scripts', 'install-envoy-validate.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(ROOT, '.run', 'bin', 'envoy-validate');
}

/** Runs envoy-validate on files; returns its exit status and its per-file lines. */
export function envoyValidate(files: string[]): { status: number; out: string } {
  const r = spawnSync(envoyValidateBin(), files, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function kustomizeBuild(dir: string): string {
  try {
    return execFileSync(kustomizeBin(), ['build', dir], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    // Surface kustomize's own message (e.g. a load-restrictor refusal) rather than "Command failed".
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`kustomize build ${relative(ROOT, dir)} failed${stderr ? `:\n${stderr}` : ''}`);
  }
}

export function build(dir: string): Obj[] {
  return parseYamlDocs(kustomizeBuild(dir), dir);
}

export function parseYamlDocs(text: string, where: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`${where}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

export function readYaml(path: string): Obj[] {
  return parseYamlDocs(readFileSync(path, 'utf8'), relative(ROOT, path));
}

export type Generator = { name: string; files?: string[]; envs?: string[]; env?: string };
export type Kustomization = {
  resources?: string[];
  components?: string[];
  patches?: Array<{ path?: string }>;
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
};

/** Every kustomization.yaml under k8s/ (base, components, overlays), parsed. */
export function kustomizations(): Array<{ path: string; doc: Kustomization }> {
  const out: Array<{ path: string; doc: Kustomization }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'kustomization.yaml') out.push({ path: join(dir, e.name), doc: readYaml(join(dir, e.name))[0] as unknown as Kustomization });
    }
  };
  walk(K8S);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** A throwaway kustomization (under .run/, git-ignored) stacking components on the base. */
export function stackDir(name: string, components: string[]): string {
  const dir = join(ROOT, '.run', 'kustomize-check', name);
  mkdirSync(dir, { recursive: true });
  const rel = (p: string) => relative(dir, join(K8S, p));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: session-dev',
      'resources:',
      `  - ${rel('base')}`,
      ...(components.length ? ['components:', ...components.map((c) => `  - ${rel(`components/${c}`)}`)] : []),
      '',
    ].join('\n'),
  );
  return dir;
}

type ModelClass = { apiVersion: string; kind: string; new (data: unknown): { validate(): void } };

/** Finds the kubernetes-models class for apiVersion/kind, e.g. apps/v1 Deployment. */
export function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const key = group === '' ? 'v1' : group.replace(/\.([a-z])/g, (_m, c: string) => c.toUpperCase());
  const groupModule = (models as unknown as Record<string, Record<string, Record<string, unknown>>>)[key];
  const versionModule = group === '' ? groupModule : groupModule?.[version];
  if (!versionModule) return undefined;
  const cls = (versionModule as Record<string, unknown>)[kind] as ModelClass | undefined;
  return cls && cls.kind === kind && cls.apiVersion === apiVersion ? cls : undefined;
}

// CRDs without a model package here: checked structurally (apiVersion/kind/required fields and
// the types of the fields this repo sets) with ajv. Schemas follow the CRDs of
// prometheus-operator (monitoring.coreos.com/v1) and k6-operator (k6.io/v1alpha1).
const selector = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: { key: { type: 'string' }, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
};
const meta = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } };
export const CRD_SCHEMAS: Record<string, object> = {
  'monitoring.coreos.com/v1/ServiceMonitor': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      metadata: meta,
      spec: {
        type: 'object',
        required: ['selector', 'endpoints'],
        additionalProperties: false,
        properties: {
          selector,
          targetLabels: { type: 'array', items: { type: 'string' } },
          podTargetLabels: { type: 'array', items: { type: 'string' } },
          namespaceSelector: { type: 'object' },
          jobLabel: { type: 'string' },
          endpoints: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: { port: { type: 'string' }, path: { type: 'string' }, interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' }, scheme: { enum: ['http', 'https'] } },
            },
          },
        },
      },
    },
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      metadata: meta,
      spec: {
        type: 'object',
        required: ['selector'],
        additionalProperties: false,
        properties: {
          selector,
          podTargetLabels: { type: 'array', items: { type: 'string' } },
          namespaceSelector: { type: 'object' },
          jobLabel: { type: 'string' },
          podMetricsEndpoints: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              properties: { port: { type: 'string' }, path: { type: 'string' }, interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' } },
            },
          },
        },
      },
    },
  },
  // Field list of prometheus-operator's PrometheusRuleSpec / Rule: a misspelt key fails.
  'monitoring.coreos.com/v1/PrometheusRule': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      metadata: meta,
      spec: {
        type: 'object',
        required: ['groups'],
        additionalProperties: false,
        properties: {
          groups: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['name', 'rules'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', minLength: 1 },
                interval: { type: 'string', pattern: '^(0|([0-9]+(ms|s|m|h|d|w|y))+)$' },
                limit: { type: 'integer' },
                partial_response_strategy: { type: 'string' },
                rules: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['expr'],
                    additionalProperties: false,
                    oneOf: [{ required: ['alert'] }, { required: ['record'] }],
                    properties: {
                      alert: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                      record: { type: 'string' },
                      expr: { type: 'string', minLength: 1 },
                      for: { type: 'string', pattern: '^(0|([0-9]+(ms|s|m|h|d|w|y))+)$' },
                      keep_firing_for: { type: 'string' },
                      labels: { type: 'object', additionalProperties: { type: 'string' } },
                      annotations: { type: 'object', additionalProperties: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  'k6.io/v1alpha1/TestRun': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      metadata: meta,
      spec: {
        type: 'object',
        // Field list of k6-operator api/v1alpha1 TestRunSpec: a typo here would be silently dropped.
        additionalProperties: false,
        required: ['script', 'parallelism'],
        properties: {
          script: {
            type: 'object',
            additionalProperties: false,
            properties: {
              configMap: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, file: { type: 'string' } } },
              volumeClaim: { type: 'object' },
              localFile: { type: 'string' },
            },
          },
          parallelism: { type: 'integer', minimum: 1 },
          separate: { type: 'boolean' },
          arguments: { type: 'string' },
          args: { type: 'array', items: { type: 'string' } },
          ports: { type: 'array' },
          initializer: { $ref: '#/$defs/pod' },
          starter: { $ref: '#/$defs/pod' },
          runner: { $ref: '#/$defs/pod' },
          quiet: { type: 'string' },
          paused: { type: 'string' },
          scuttle: { type: 'object' },
          cleanup: { enum: ['post'] },
          testRunId: { type: 'string' },
          token: { type: 'string' },
        },
      },
    },
    $defs: {
      pod: {
        type: 'object',
        additionalProperties: false,
        properties: {
          disabled: { type: 'boolean' },
          affinity: { type: 'object' },
          automountServiceAccountToken: { type: 'string' },
          env: { type: 'array', items: { type: 'object', required: ['name'] } },
          image: { type: 'string' },
          imagePullSecrets: { type: 'array' },
          imagePullPolicy: { type: 'string' },
          metadata: { type: 'object', properties: { labels: { type: 'object' }, annotations: { type: 'object' } } },
          nodeSelector: { type: 'object' },
          tolerations: { type: 'array' },
          topologySpreadConstraints: { type: 'array' },
          resources: { type: 'object' },
          serviceAccountName: { type: 'string' },
          securityContext: { type: 'object' },
          containerSecurityContext: { type: 'object' },
          envFrom: { type: 'array' },
          readinessProbe: { type: 'object' },
          livenessProbe: { type: 'object' },
          initContainers: { type: 'array' },
          volumes: { type: 'array' },
          volumeMounts: { type: 'array' },
          priorityClassName: { type: 'string' },
          schedulerName: { type: 'string' },
        },
      },
    },
  },
};

/** Pod template of a workload (Deployment, StatefulSet, Job), or undefined for other kinds. */
export function podSpec(o: Obj): PodSpec | undefined {
  const spec = o.spec as { template?: { spec?: PodSpec } } | undefined;
  return ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind) ? spec?.template?.spec : undefined;
}
export function podLabels(o: Obj): Record<string, string> {
  return ((o.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ?? {}) as Record<string, string>;
}
export type Container = {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown; fieldRef?: unknown } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};
export type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: unknown; emptyDir?: unknown }>;
  affinity?: { podAntiAffinity?: Record<string, unknown> };
};
