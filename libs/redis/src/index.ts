export * from './client';
export * from './executor';
export * from './write-ops';
export * from './sentinel';
