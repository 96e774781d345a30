export * from './prng';
export * from './history';
export * from './checker';
export * from './toxiproxy';
