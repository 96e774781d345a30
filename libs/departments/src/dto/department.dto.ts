import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DEPT_FIELD_MAX } from '../department';

// Printable characters only: ids end up in Redis keys and URLs.
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

export class DepartmentDto {
  @ApiProperty({ example: 'd001', maxLength: DEPT_FIELD_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPT_FIELD_MAX)
  @Matches(PRINTABLE, { message: 'deptNo must not contain control characters' })
  deptNo: string;

  @ApiProperty({ example: 'Marketing', maxLength: DEPT_FIELD_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPT_FIELD_MAX)
  deptName: string;
}

/** POST /api/departments: the id is generated when absent, like the Spring original. */
export class CreateDepartmentDto {
  @ApiPropertyOptional({ example: 't0001', maxLength: DEPT_FIELD_MAX })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPT_FIELD_MAX)
  @Matches(PRINTABLE, { message: 'deptNo must not contain control characters' })
  deptNo?: string;

  @ApiProperty({ example: 'test_000001', maxLength: DEPT_FIELD_MAX })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPT_FIELD_MAX)
  deptName: string;
}

/** Longest `payload` POST /api/departmentRedises accepts: room for the stress test's "+100 bytes" and more. */
export const DEPT_PAYLOAD_MAX = 4096;

/**
 * POST /api/departmentRedises: a department plus an optional opaque `payload`, stored as one more
 * hash field. The stress test's "row payload +100 bytes" goes here, so deptName keeps the
 * varchar(40) limit of the study's DDL.
 */
export class DepartmentRedisDto extends CreateDepartmentDto {
  @ApiPropertyOptional({ example: 'xxxx', maxLength: DEPT_PAYLOAD_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(DEPT_PAYLOAD_MAX)
  payload?: string;
}
