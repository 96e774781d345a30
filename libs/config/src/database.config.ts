import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { readEnv } from './env';

class DatabaseEnv {
  @IsString() DB_HOST: string = '127.0.0.1';
  @IsInt() @Min(1) @Max(65535) DB_PORT: number = 3306;
  @IsString() DB_NAME: string = 'employees';
  @IsString() DB_USER: string = 'dept';
  /** Required: comes from the environment or a Secret, never from the repo. */
  @IsString({ message: 'DB_PASSWORD must be set (the application user password, from the environment or a Secret)' }) @IsNotEmpty() DB_PASSWORD: string;
  @IsInt() @Min(1) @Max(500) DB_POOL_SIZE: number = 20;
  @IsInt() @Min(100) @Max(60_000) DB_CONNECT_TIMEOUT_MS: number = 2000;
  @IsIn(['true', 'false']) DB_MIGRATE: string = 'true';
}

export interface DatabaseConfig {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  poolSize: number;
  connectTimeoutMs: number;
  migrate: boolean;
}

export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const e = readEnv(DatabaseEnv, env);
  return {
    host: e.DB_HOST,
    port: e.DB_PORT,
    database: e.DB_NAME,
    username: e.DB_USER,
    password: e.DB_PASSWORD,
    poolSize: e.DB_POOL_SIZE,
    connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    migrate: e.DB_MIGRATE === 'true',
  };
}

export const databaseConfig = registerAs('database', () => databaseFromEnv());
