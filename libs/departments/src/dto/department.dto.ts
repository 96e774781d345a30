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
