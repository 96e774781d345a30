import 'reflect-metadata';
import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsString, ValidateNested } from 'class-validator';
import { CreateDepartmentDto, DepartmentDto, DepartmentRedisDto } from '@app/departments';
import { VALIDATION } from '../bootstrap';
import { compile, FastValidationPipe } from './fast-validation.pipe';

class Inner {
  @IsString()
  name!: string;
}
class Nested {
  @ValidateNested()
  @Type(() => Inner)
  inner!: Inner;
}

const outcome = async (pipe: ValidationPipe, value: unknown, metatype: ArgumentMetadata['metatype']) => {
  try {
    const v = await pipe.transform(value, { type: 'body', metatype });
    return { ok: v, ctor: (v as object | null)?.constructor?.name };
  } catch (e) {
    return { err: (e as { getResponse(): unknown }).getResponse() };
  }
};

describe('FastValidationPipe', () => {
  const fast = new FastValidationPipe(VALIDATION);
  const slow = new ValidationPipe(VALIDATION);
  const long = 'x'.repeat(41);
  const bodies: unknown[] = [
    { deptNo: 't0001', deptName: 'test_000001' },
    { deptName: 'no id' },
    { deptNo: 't0001', deptName: 'with payload', payload: 'p'.repeat(100) },
    { deptNo: 't0001', deptName: 'payload too long', payload: 'p'.repeat(4097) },
    { deptNo: 't0001', deptName: 'p', payload: 5 },
    { deptNo: long, deptName: 'n' },
    { deptNo: 'd', deptName: long },
    { deptNo: '', deptName: 'n' },
    { deptNo: 'd\u0001', deptName: 'n' },
    { deptNo: null, deptName: 'n' },
    { deptNo: 5, deptName: 'n' },
    { deptNo: 'd', deptName: 'n', extra: 1 },
    { deptNo: 'd' },
    {},
    [],
    'text',
    null,
    undefined,
    JSON.parse('{"deptNo":"d","deptName":"n","__proto__":{"x":1}}'),
    Object.assign(Object.create(null), { deptNo: 'd', deptName: 'n' }),
  ];
  for (const dto of [DepartmentDto, CreateDepartmentDto, DepartmentRedisDto]) {
    it(`answers as ValidationPipe does for ${dto.name}`, async () => {
      for (const body of bodies) {
        const clone = () => (body && typeof body === 'object' ? JSON.parse(JSON.stringify(body)) : body);
        expect({ body, ...(await outcome(fast, clone(), dto)) }).toEqual({ body, ...(await outcome(slow, clone(), dto)) });
      }
    });
  }

  it('takes the full path for nested DTOs and leaves params alone', async () => {
    expect(compile(Nested)).toBeNull();
    expect(compile(DepartmentRedisDto)).not.toBeNull();
    expect(await fast.transform('d001', { type: 'param', metatype: String, data: 'deptNo' })).toBe('d001');
  });
});
