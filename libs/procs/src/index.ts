export * from './binaries';
export * from './net';
export * from './process';
export * from './redis-server';
export * from './mariadb-server';
export * from './redis-sentinel';
export * from './dynomite-server';
export * from './cgroup';
