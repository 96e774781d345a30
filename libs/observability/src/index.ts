export * from './metrics';
export * from './dependency-state';
