import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CreateDepartmentDto, Department, DepartmentDto, DepartmentRedis, DepartmentRedisDto } from '@app/departments';
import { DepartmentsService } from './departments.service';
import { DepartmentRedisRepository } from './department-redis.repository';
import { DeptNoPipe } from './dept-no.pipe';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Routes of the Spring original (`dept-spring`), so the same load scripts run against either. */
@ApiTags('departments')
@Controller()
export class DepartmentsController {
  constructor(private readonly departments: DepartmentsService, private readonly redisRepo: DepartmentRedisRepository) {}

  @Get('v1/departments')
  @ApiOkResponse({ type: [DepartmentDto], description: 'All rows, cache-aside in Redis (key htdp1:cache:departments:findAll)' })
  findAll(@Res() reply: FastifyReply): Promise<void> {
    // The cached JSON bytes go out as is: no parse, no re-serialise.
    return this.departments.findAllCached().then((body) => {
      void reply.header('content-type', JSON_TYPE).send(body);
    });
  }

  @Get('v1/departmentsNoCache')
  @ApiOkResponse({ type: [DepartmentDto], description: 'All rows straight from MariaDB' })
  findAllNoCache(): Promise<Department[]> {
    return this.departments.findAllNoCache();
  }

  @Get('v1/department/:deptNo')
  @ApiOkResponse({ type: DepartmentDto })
  async findOne(@Param('deptNo', DeptNoPipe) deptNo: string, @Res() reply: FastifyReply): Promise<void> {
    const body = await this.departments.findOneCached(deptNo);
    void reply.header('content-type', JSON_TYPE).send(body);
  }

  @Put('v1/department')
  @ApiBody({ type: DepartmentDto })
  @ApiOkResponse({ type: DepartmentDto })
  update(@Body() dto: DepartmentDto): Promise<Department> {
    return this.departments.update(dto);
  }

  @Delete('v1/department/:deptNo')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('deptNo', DeptNoPipe) deptNo: string): Promise<void> {
    await this.departments.delete(deptNo);
  }

  @Post('api/departments')
  @ApiBody({ type: CreateDepartmentDto })
  @ApiCreatedResponse({ type: DepartmentDto })
  create(@Body() dto: CreateDepartmentDto): Promise<Department> {
    return this.departments.create(dto);
  }

  @Post('api/departmentRedises')
  @ApiBody({ type: DepartmentRedisDto })
  @ApiCreatedResponse({ type: DepartmentRedisDto })
  createInRedis(@Body() dto: DepartmentRedisDto): Promise<DepartmentRedis> {
    return this.redisRepo.save(dto);
  }

  @Get('api/departmentRedises/:deptNo')
  @ApiOkResponse({ type: DepartmentRedisDto })
  findInRedis(@Param('deptNo', DeptNoPipe) deptNo: string): Promise<DepartmentRedis> {
    return this.redisRepo.findOne(deptNo);
  }

  @Delete('api/departmentRedises/:deptNo')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted (the hash and the id in the set)' })
  async removeInRedis(@Param('deptNo', DeptNoPipe) deptNo: string): Promise<void> {
    await this.redisRepo.delete(deptNo);
  }
}
