export * from './department.entity';
export * from './data-source';
export * from './rows';
export * from './errors';
