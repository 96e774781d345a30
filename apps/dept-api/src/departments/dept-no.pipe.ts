import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { deptNoProblem } from '@app/departments';

/** Validates a `:deptNo` path parameter by the same rule as the body field (code points, NFC, printable). */
@Injectable()
export class DeptNoPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const problem = deptNoProblem(value);
    if (problem) throw new BadRequestException([problem]);
    return value;
  }
}
