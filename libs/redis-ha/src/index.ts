export * from './probe';
export * from './mirrored';
export * from './sync-check';
export * from './bootstrap';
export * from './versioned';
export * from './dynomite-probe';
