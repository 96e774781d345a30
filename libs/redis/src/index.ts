export * from './client';
export * from './executor';
