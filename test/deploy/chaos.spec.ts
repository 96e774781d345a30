// The HA fault schedule as Chaos Mesh objects (k8s/chaos/), validated offline against the
// openAPIV3Schema of Chaos Mesh's own CRDs (v2.8.3, test/deploy/fixtures/, Apache-2.0): ajv with
// unknown fields refused, as `kubectl apply` (field validation Strict) refuses them. Then: every
// selector picks pods that the eks build has, and the TestRun beside them loads that pair.
import Ajv, { ValidateFunction } from 'ajv';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_SCHEMAS, K8S, Obj, ROOT, build, podLabels, readYaml } from './helpers';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown; [k: string]: unknown };
type Crd = { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Schema } }> } };

const CHAOS = join(K8S, 'chaos');
const FIXTURE = join(ROOT, 'test', 'deploy', 'fixtures', 'chaos-mesh-crds-v2.8.3.yaml');

/** OpenAPI v3 schema to ajv's JSON Schema. Unknown fields become errors: every object schema that lists properties and does not opt out
 * (x-kubernetes-preserve-unknown-fields, additionalProperties) gets additionalProperties: false. */
function strict(s: Schema): Schema {
  const out: Schema = { ...s };
  // OpenAPI 3.0's boolean exclusiveMinimum/Maximum, in JSON Schema's (ajv's) numeric form.
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof s[ex] === 'boolean') {
      if (s[ex]) out[ex] = s[bound];
      else delete out[ex];
      if (s[ex]) delete out[bound];
    }
  }
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, strict(v)]));
    if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (s.items) out.items = strict(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = strict(s.additionalProperties as Schema);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(s[k])) out[k] = (s[k] as Schema[]).map(strict);
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const validators = new Map<string, ValidateFunction>();
for (const crd of readYaml(FIXTURE) as unknown as Crd[]) {
  for (const v of crd.spec.versions.filter((x) => x.served)) {
    const schema = strict(v.schema.openAPIV3Schema);
    // metadata is the API server's (ObjectMeta), not the CRD's: checked separately below.
    if (schema.properties) schema.properties.metadata = { type: 'object' };
    validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
  }
}
function validate(o: Obj): string[] {
  const v = validators.get(`${o.apiVersion}/${o.kind}`);
  if (!v) return [`${o.kind}/${o.metadata?.name}: no CRD for ${o.apiVersion}`];
  const ok: boolean = v(o);
  const errors = ok ? [] : [`${o.kind}/${o.metadata.name}: ${ajv.errorsText(v.errors, { separator: '; ' })}`];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.metadata?.name ?? '')) errors.push(`${o.kind}: bad name ${o.metadata?.name}`);
  return errors;
}

const objects = readdirSync(CHAOS).filter((f) => f.endsWith('.yaml')).flatMap((f) => readYaml(join(CHAOS, f)));
const chaosObjects = objects.filter((o) => o.apiVersion.startsWith('chaos-mesh.org/'));

type Selector = { namespaces?: string[]; labelSelectors?: Record<string, string> };
/** Every selector (and target selector) of a chaos spec, with where it sits. */
function selectors(spec: Record<string, unknown>, where: string): Array<[string, Selector]> {
  const out: Array<[string, Selector]> = [];
  if (spec.selector) out.push([`${where}.selector`, spec.selector as Selector]);
  const target = spec.target as { selector?: Selector } | undefined;
  if (target?.selector) out.push([`${where}.target.selector`, target.selector]);
  return out;
}
function chaosSpecs(o: Obj): Array<[string, string, Record<string, unknown>]> {
  const spec = o.spec as Record<string, unknown>;
  if (o.kind === 'Workflow')
    return (spec.templates as Array<Record<string, unknown>>).flatMap((t) => {
      const key = Object.keys(t).find((k) => /Chaos$/.test(k));
      return key ? [[`${o.metadata.name}/${String(t.name)}`, key, t[key] as Record<string, unknown>] as [string, string, Record<string, unknown>]] : [];
    });
  if (o.kind === 'Schedule') {
    const key = Object.keys(spec).find((k) => /Chaos$/.test(k))!;
    return [[o.metadata.name, key, spec[key] as Record<string, unknown>]];
  }
  return [[o.metadata.name, o.kind, spec]];
}

describe('Chaos Mesh fault schedule (k8s/chaos)', () => {
  it('the CRD fixture holds the kinds used here', () => {
    for (const k of ['PodChaos', 'NetworkChaos', 'Schedule', 'Workflow']) expect(validators.has(`chaos-mesh.org/v1alpha1/${k}`)).toBe(true);
  });

  it('every Chaos Mesh object is valid against its CRD schema', () => {
    expect(chaosObjects.map((o) => o.kind).sort()).toEqual(['Schedule', 'Workflow']);
    const errors = chaosObjects.flatMap(validate);
    expect(errors).toEqual([]);
  });

  it('the validation refuses a misspelt field, a wrong enum and a missing required field', () => {
    const wf = chaosObjects.find((o) => o.kind === 'Workflow')!;
    const clone = () => JSON.parse(JSON.stringify(wf)) as Obj & { spec: { templates: Array<Record<string, Record<string, unknown>>> } };
    const typo = clone();
    // One extra, misspelt key beside valid ones: what strict field validation catches.
    (typo.spec.templates.find((t) => t.podChaos)!.podChaos as Record<string, unknown>).gracePeriodd = 0;
    const badEnum = clone();
    (badEnum.spec.templates.find((t) => t.podChaos)!.podChaos as Record<string, unknown>).mode = 'some';
    const missing = clone();
    delete (missing.spec as Record<string, unknown>).entry;
    expect(validate(typo).join()).toMatch(/must NOT have additional properties/);
    expect(validate(badEnum).join()).toMatch(/must be equal to one of the allowed values/);
    expect(validate(missing).join()).toMatch(/must have required property 'entry'/);
  });

  it('the Workflow runs the fault schedule: Redis node kill, pod failure, API<->Redis partition, API pod kill', () => {
    const wf = chaosObjects.find((o) => o.kind === 'Workflow')!;
    const specs = chaosSpecs(wf).map(([, kind, s]) => `${kind}:${String(s.action)}`);
    expect(specs).toEqual(['podChaos:pod-kill', 'podChaos:pod-failure', 'networkChaos:partition', 'podChaos:pod-kill']);
    const spec = wf.spec as { entry: string; templates: Array<{ name: string; templateType: string; deadline?: string; children?: string[] }> };
    const names = new Set(spec.templates.map((t) => t.name));
    const entry = spec.templates.find((t) => t.name === spec.entry)!;
    expect(entry.templateType).toBe('Serial');
    for (const c of entry.children ?? []) expect([c, names.has(c)]).toEqual([c, true]);
    // Each fault is bounded: a deadline on every step, the sum inside the TestRun's duration.
    const secs = (d?: string) => Number(String(d).replace(/s$/, ''));
    const steps = (entry.children ?? []).map((c) => spec.templates.find((t) => t.name === c)!);
    for (const s of steps) expect([s.name, /^\d+s$/.test(String(s.deadline))]).toEqual([s.name, true]);
    const total = steps.reduce((a, s) => a + secs(s.deadline), 0);
    expect(total).toBeLessThanOrEqual(secs(entry.deadline));
    const run = objects.find((o) => o.kind === 'TestRun')!;
    const env = Object.fromEntries(((run.spec as { runner: { env: Array<{ name: string; value: string }> } }).runner.env).map((e) => [e.name, e.value]));
    expect(total).toBeLessThan(secs(env.DURATION));
  });

  describe('against the eks build', () => {
    let objs: Obj[];
    beforeAll(() => {
      objs = build(join(K8S, 'overlays', 'eks'));
    });

    it('every selector picks pods that exist, in the namespace the objects live in', () => {
      const pods = objs.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
      for (const o of chaosObjects) {
        expect(o.metadata.namespace).toBe('session-dev');
        for (const [where, kind, spec] of chaosSpecs(o)) {
          expect([where, spec.mode]).toEqual([where, 'one']);
          for (const [w, sel] of selectors(spec, `${where}(${kind})`)) {
            expect([w, sel.namespaces]).toEqual([w, ['session-dev']]);
            const picked = pods.filter((p) => Object.entries(sel.labelSelectors ?? {}).every(([k, v]) => podLabels(p)[k] === v));
            expect([w, picked.length > 0]).toEqual([w, true]);
          }
        }
      }
    });

    it('the partition cuts one dept-api pod from one node of the pair that API uses', () => {
      const wf = chaosObjects.find((o) => o.kind === 'Workflow')!;
      const [, , net] = chaosSpecs(wf).find(([, k]) => k === 'networkChaos')!;
      const [[, from], [, to]] = selectors(net, 'partition');
      const api = objs.find((o) => o.kind === 'Deployment' && podLabels(o).app === from.labelSelectors?.app)!;
      const env = (api.spec as { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } }).template.spec.containers[0].env ?? [];
      const urls = env.filter((e) => /^REDIS_(PEER_)?URL$/.test(e.name)).map((e) => e.value).join(' ');
      expect(urls).toContain(`//${to.labelSelectors?.app}:`);
      expect(net.direction).toBe('both');
    });

    it('the TestRun beside them loads the API of that pair, as a valid TestRun of the k6 component', () => {
      const run = objects.find((o) => o.kind === 'TestRun')!;
      const ajv2 = new Ajv({ allErrors: true, strict: false });
      const check = ajv2.compile(CRD_SCHEMAS['k6.io/v1alpha1/TestRun']);
      expect([check(run), ajv2.errorsText(check.errors)]).toEqual([true, 'No errors']);
      const spec = run.spec as { cleanup?: string; script: { localFile: string }; runner: { env: Array<{ name: string; value: string }>; priorityClassName?: string; metadata: { labels: Record<string, string> } } };
      expect(spec.cleanup).toBe('post');
      expect(spec.runner.priorityClassName).toBe('redis-ha-lab-load');
      expect(spec.runner.metadata.labels.app).toBe('k6');
      expect(spec.script.localFile).toBe('/scripts/k6/ha-write.ts');
      const base = spec.runner.env.find((e) => e.name === 'BASE_URLS')!.value;
      const wf = chaosObjects.find((o) => o.kind === 'Workflow')!;
      const apiApp = chaosSpecs(wf).map(([, , s]) => (s.selector as Selector).labelSelectors?.app).find((a) => a?.startsWith('dept-'));
      expect(base).toBe(`http://${apiApp}:8080`);
      expect(objs.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'k6-scripts')).toBe(true);
    });
  });
});
