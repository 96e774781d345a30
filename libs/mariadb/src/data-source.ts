import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@app/config';
import { DepartmentEntity } from './department.entity';
import { CreateDepartments1700000000000 } from './migrations/1700000000000-create-departments';

export const MIGRATIONS = [CreateDepartments1700000000000];

/**
 * TypeORM options for MariaDB through mysql2 (TypeORM 1.x supports only mysql2). Schema changes
 * go through migrations, never `synchronize`.
 */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  return {
    type: 'mariadb',
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    entities: [DepartmentEntity],
    migrations: MIGRATIONS,
    migrationsRun: db.migrate,
    synchronize: false,
    logging: ['error'],
    poolSize: db.poolSize,
    connectTimeout: db.connectTimeoutMs,
    extra: {
      // mysql2 pool: fail fast when the pool is exhausted or the server is gone.
      waitForConnections: true,
      queueLimit: 0,
      enableKeepAlive: true,
    },
  };
}

export function createDataSource(db: DatabaseConfig): DataSource {
  return new DataSource(dataSourceOptions(db));
}
