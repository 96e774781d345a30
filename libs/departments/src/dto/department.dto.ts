import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { DEPT_FIELD_MAX, DEPT_PAYLOAD_MAX, DEPT_TEXT_PATTERN, DEPT_TEXT_RULE, deptNameProblem, deptNoProblem, payloadProblem } from '../identity';

/** A class-validator constraint from one of the identity rules (its message says what is wrong). */
function Rule(name: string, problem: (value: unknown) => string | null, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name, validator: { validate: (value) => problem(value) === null, defaultMessage: (args) => problem(args?.value) ?? name } }, options);
}

/** Present means validated: `null` is a wrong value, not an absent one (so `deptNo: null` is a 400). */
const UnlessAbsent = () => ValidateIf((_object, value) => value !== undefined);

const text = (example: string) => ({ example, minLength: 1, maxLength: DEPT_FIELD_MAX, pattern: DEPT_TEXT_PATTERN, description: DEPT_TEXT_RULE });

export class DepartmentDto {
  @ApiProperty(text('d001'))
  @Rule('deptNo', deptNoProblem)
  deptNo: string;

  @ApiProperty(text('Marketing'))
  @Rule('deptName', deptNameProblem)
  deptName: string;
}

/** POST /api/departments: the id is generated when absent (not when null), like the Spring original. */
export class CreateDepartmentDto {
  @ApiPropertyOptional({ ...text('t0001'), description: `${DEPT_TEXT_RULE}; a UUID is generated when the field is absent` })
  @UnlessAbsent()
  @Rule('deptNo', deptNoProblem)
  deptNo?: string;

  @ApiProperty(text('test_000001'))
  @Rule('deptName', deptNameProblem)
  deptName: string;
}

/**
 * POST /api/departmentRedises: a department plus an optional opaque `payload`, stored as one more
 * hash field. The stress test's "row payload +100 bytes" goes here, so deptName keeps the
 * varchar(40) limit of the study's DDL.
 */
export class DepartmentRedisDto extends CreateDepartmentDto {
  @ApiPropertyOptional({ example: 'xxxx', maxLength: DEPT_PAYLOAD_MAX, description: 'opaque text, well formed (no lone surrogate); absent, not null, when there is none' })
  @UnlessAbsent()
  @Rule('payload', payloadProblem)
  payload?: string;
}

/** Every error answer: `{statusCode, error, message}`. */
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: ['deptNo must be a string'] })
  message: string | string[];
}
