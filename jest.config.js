// Tests run against real MariaDB and Redis processes that test/global-setup.ts starts under .run/.
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;

/** Top-level packages that ship ES modules only (NestJS 12 and some of its dependencies). */
function esmPackages() {
  const root = `${__dirname}/node_modules`;
  const names = [];
  for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const dirs = entry.startsWith('@') ? fs.readdirSync(`${root}/${entry}`).map((n) => `${entry}/${n}`) : [entry];
    for (const name of dirs) {
      try {
        const pkg = JSON.parse(fs.readFileSync(`${root}/${name}/package.json`, 'utf8'));
        if (pkg.type === 'module') names.push(name.replace(/[.+]/g, '\\$&'));
      } catch {
        // not a package folder
      }
    }
  }
  return names.length ? names : ['@nestjs'];
}
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test,k6}/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
    // NestJS 12 ships ES modules only; Jest on Node 20 cannot require() them, so swc turns them
    // into CommonJS (the built app runs them natively through Node's require(esm)).
    '^.+\\.m?js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' }, swcrc: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
  moduleNameMapper: {
    '^@app/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  verbose: true,
};
