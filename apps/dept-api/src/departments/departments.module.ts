import { Module } from '@nestjs/common';
import { DepartmentsController } from './departments.controller';
import { DepartmentsService } from './departments.service';
import { DepartmentsRepository } from './departments.repository';
import { DepartmentCache } from './department-cache';
import { DepartmentRedisRepository } from './department-redis.repository';

@Module({
  controllers: [DepartmentsController],
  providers: [DepartmentsService, DepartmentsRepository, DepartmentCache, DepartmentRedisRepository],
})
export class DepartmentsModule {}
