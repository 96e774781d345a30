/** A row of `employees.departments`, in the Spring app's JSON shape. */
export interface Department {
  deptNo: string;
  deptName: string;
}

/** A department as the Redis repository stores it: the row plus an optional opaque payload. */
export interface DepartmentRedis extends Department {
  payload?: string;
}

/** The study's seed rows (the employees sample schema; the team's copy called d001 R&D). */
export const SEED_DEPARTMENTS: readonly Department[] = [
  { deptNo: 'd001', deptName: 'Marketing' },
  { deptNo: 'd002', deptName: 'Finance' },
  { deptNo: 'd003', deptName: 'Human Resources' },
  { deptNo: 'd004', deptName: 'Production' },
  { deptNo: 'd005', deptName: 'Development' },
  { deptNo: 'd006', deptName: 'Quality Management' },
  { deptNo: 'd007', deptName: 'Sales' },
  { deptNo: 'd008', deptName: 'Research' },
  { deptNo: 'd009', deptName: 'Customer Service' },
];

/**
 * Cache keys. A row keeps the Spring original's key (`htdp1:cache:departments::{deptNo}`), so both
 * apps share row entries; the list does not: Spring's `...::findAll` is the row key of the id
 * `findAll`, so the list lives under `htdp1:cache:departments:findAll` (one colon), which no row
 * key can be (every row key has `::` right after `departments`). Row keys and the list key are
 * disjoint namespaces.
 */
export const CacheKeys = {
  prefix: 'htdp1:cache:departments::',
  findAll: 'htdp1:cache:departments:findAll',
  one: (deptNo: string) => `htdp1:cache:departments::${deptNo}`,
} as const;

/** Spring Data `@RedisHash("htdp1:dept-spring:repository:departments")`. */
export const RepositoryKeys = {
  set: 'htdp1:dept-spring:repository:departments',
  hash: (deptNo: string) => `htdp1:dept-spring:repository:departments:${deptNo}`,
} as const;
