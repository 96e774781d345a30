export * from './layout';
export * from './stack';
export * from './ha-pair';
