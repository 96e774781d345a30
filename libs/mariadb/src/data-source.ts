import { DataSource, DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '@app/config';
import { DepartmentEntity } from './department.entity';
import { CreateDepartments1700000000000 } from './migrations/1700000000000-create-departments';
import { BinaryKeyCollation1710000000000 } from './migrations/1710000000000-binary-key-collation';

export const MIGRATIONS = [CreateDepartments1700000000000, BinaryKeyCollation1710000000000];

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
    // Emoji and every other astral character are 4 bytes in UTF-8: the connection must be utf8mb4.
    charset: 'utf8mb4_unicode_ci',
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
