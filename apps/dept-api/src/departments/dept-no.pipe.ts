import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { DEPT_FIELD_MAX } from '@app/departments';

/** Validates a `:deptNo` path parameter the same way as the body field. */
@Injectable()
export class DeptNoPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > DEPT_FIELD_MAX || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new BadRequestException(`deptNo must be 1 to ${DEPT_FIELD_MAX} printable characters`);
    }
    return value;
  }
}
