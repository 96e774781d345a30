export * from './metrics';
export * from './dependency-state';
export * from './fast-metrics';
