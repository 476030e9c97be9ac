import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..');

/** Runs `script` in a fresh Node process with the package's source loaded; prints what it logs. */
function inFreshProcess(script: string): string {
  return execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'test', 'tsconfig.json') },
    encoding: 'utf8',
  }).trim();
}

const CRONER_LOADED = `Object.keys(require.cache).some((path) => path.includes('node_modules/croner/'))`;

describe('croner, an optional peer', () => {
  it('is not loaded by the package, nor by an every rule; a cron rule loads it', () => {
    const output = inFreshProcess(`
      require('reflect-metadata');
      require('./lib');
      const { validateSeriesRule } = require('./lib/recurring/series-rules');
      (async () => {
        const atStart = ${CRONER_LOADED};
        await validateSeriesRule({ every: 1000 }, undefined, 'test');
        const afterEvery = ${CRONER_LOADED};
        await validateSeriesRule({ cron: '0 2 * * *' }, undefined, 'test');
        console.log(JSON.stringify([atStart, afterEvery, ${CRONER_LOADED}]));
      })();
    `);
    expect(JSON.parse(output)).toEqual([false, false, true]);
  });

  it('missing: a cron rule fails with OptionalDependencyMissingError saying what to install', () => {
    const output = inFreshProcess(`
      const Module = require('node:module');
      const resolveFilename = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'croner') {
          throw Object.assign(new Error("Cannot find module 'croner'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolveFilename.call(this, request, ...rest);
      };
      require('reflect-metadata');
      const { validateSeriesRule } = require('./lib/recurring/series-rules');
      validateSeriesRule({ cron: '0 2 * * *' }, undefined, 'test').then(
        () => console.log('resolved'),
        (error) => console.log(JSON.stringify([error.name, error.message])),
      );
    `);
    const [name, message] = JSON.parse(output) as [string, string];
    expect(name).toBe('OptionalDependencyMissingError');
    expect(message).toContain('npm install croner');
  });
});
