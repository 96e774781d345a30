import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { getFromContainer, getMetadataStorage } from 'class-validator';
import type { ValidationArguments, ValidatorConstraintInterface } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { TransformationType } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

// class-transformer's rules (Type, Transform, Expose, Exclude) live in this store; it has no typed entry point.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

type Check = (value: Record<string, unknown>) => boolean;
type Ctor = new () => object;

/**
 * Nest's ValidationPipe with a fast path for valid request bodies: for a DTO whose rules are plain
 * class-validator property constraints (IsString, MaxLength, Matches, IsOptional, ...), the same
 * constraint functions are run directly on the parsed body, and a body that passes them all, with
 * no property the DTO does not declare, becomes the DTO instance at once. Anything else (a failure,
 * an unknown field, nested DTOs, groups, class-transformer rules) takes ValidationPipe's own path,
 * so every error is exactly what it was. The pipe's general machinery (class-transformer, then
 * class-validator's executor, which looks its metadata up again on every call) cost about 50 µs of
 * a POST's CPU on the lab host: more than the whole bare handler.
 *
 * Only for the options dept-api uses: whitelist + forbidNonWhitelisted + transform, no groups.
 */
export class FastValidationPipe extends ValidationPipe {
  private readonly checks = new Map<unknown, Check | null>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype as Ctor | undefined;
    if (metadata.type === 'body' && metatype && isPlainObject(value)) {
      let check = this.checks.get(metatype);
      if (check === undefined) {
        check = compile(metatype);
        this.checks.set(metatype, check);
      }
      if (check && check(value)) return Object.assign(new metatype(), value);
    }
    return super.transform(value, metadata);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A check equivalent to class-validator's for this class, or null when the class needs the full path. */
export function compile(metatype: Ctor): Check | null {
  // class-transformer rules (Type, Transform, Expose, Exclude) would change the instance: full path.
  const ts = defaultMetadataStorage;
  if (ts.getStrategy(metatype) !== 'none' || ts.getExposedMetadatas(metatype).length || ts.getExcludedMetadatas(metatype).length) return null;
  const metas: ValidationMetadata[] = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false, undefined);
  if (!metas.length) return null;
  const props = new Map<string, { conditions: ValidationMetadata[]; rules: Array<{ meta: ValidationMetadata; constraint: ValidatorConstraintInterface }> }>();
  for (const m of metas) {
    if (m.each || m.always || (m.groups && m.groups.length) || m.context) return null;
    if (ts.findTypeMetadata(metatype, m.propertyName) || ts.findTransformMetadatas(metatype, m.propertyName, TransformationType.PLAIN_TO_CLASS).length) return null;
    let p = props.get(m.propertyName);
    if (!p) props.set(m.propertyName, (p = { conditions: [], rules: [] }));
    if (m.type === 'conditionalValidation') p.conditions.push(m);
    else if (m.type === 'customValidation' && m.constraintCls) p.rules.push({ meta: m, constraint: getFromContainer(m.constraintCls) as ValidatorConstraintInterface });
    else return null;
  }
  const entries = [...props].map(([property, p]) => ({
    property,
    conditions: p.conditions.map((c) => c.constraints[0] as (o: object, v: unknown) => boolean),
    rules: p.rules.map((r) => ({ constraints: r.meta.constraints, constraint: r.constraint })),
  }));
  const targetName = metatype.name;
  return (object) => {
    const keys = Object.keys(object);
    for (let i = 0; i < keys.length; i++) if (!props.has(keys[i])) return false;
    for (let i = 0; i < entries.length; i++) {
      const { property, conditions, rules } = entries[i];
      const value = object[property];
      // IsOptional / ValidateIf: class-validator skips the property unless every condition holds.
      let skip = false;
      for (let c = 0; c < conditions.length && !skip; c++) skip = !conditions[c](object, value);
      if (skip) continue;
      const args: ValidationArguments = { targetName, property, object, value, constraints: [] };
      for (let r = 0; r < rules.length; r++) {
        args.constraints = rules[r].constraints;
        // Anything but a synchronous true (false, or a promise of an async rule) takes the full path.
        if (rules[r].constraint.validate(value, args) !== true) return false;
      }
    }
    return true;
  };
}
