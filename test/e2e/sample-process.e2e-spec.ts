/**
 * The sample as a user starts it: `npm run sample` in a real process. It stops
 * with its throwaway redis-server even when npm itself is killed, and says in
 * one line what to install when there is no redis-server.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../support/wait-for';

const REPO_ROOT = resolve(__dirname, '..', '..');

/** Collects a child's output and resolves once it matches `pattern`. */
function outputOf(child: ChildProcess): {
  text: () => string;
  until: (p: RegExp) => Promise<RegExpMatchArray>;
} {
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (data: Buffer) => {
    text += data.toString();
    waiters.splice(0).forEach((wake) => wake());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    text: () => text,
    until: (pattern) =>
      new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no ${pattern} in: ${text}`)), 45_000);
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            clearTimeout(timer);
            done(match);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run sample, as a process', () => {
  it('stops with its redis-server when npm is killed outright', async () => {
    const npm = spawn('npm', ['run', 'sample'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = outputOf(npm);
    try {
      const [, redisPid] = await output.until(/redis-server \(pid (\d+)\)/);
      const [, port] = await output.until(/Listening on http:\/\/localhost:(\d+)/);
      expect((await fetch(`http://127.0.0.1:${port}/tasks/stats`)).status).toBe(200);

      npm.kill('SIGKILL'); // npm forwards nothing now: the sample must notice on its own
      await waitFor(() => !alive(Number(redisPid)), 15_000, 'the redis-server stopped');
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${port}/tasks/stats`).then(
            () => false,
            () => true,
          ),
        15_000,
        'the sample stopped listening',
      );
    } finally {
      npm.kill('SIGKILL');
    }
  }, 60_000);

  it('says what to install when there is no redis-server, in one line', async () => {
    // A PATH with node alone on it: no redis-server to find.
    const bin = mkdtempSync(join(tmpdir(), 'no-redis-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    try {
      const sample = spawn(process.execPath, ['-r', 'ts-node/register', 'sample/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PATH: bin,
          REDIS_URL: '',
          TS_NODE_PROJECT: 'sample/tsconfig.json',
          TS_NODE_TRANSPILE_ONLY: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = outputOf(sample);
      const code = await new Promise<number | null>((done) => sample.once('exit', done));
      expect(code).toBe(1);
      expect(output.text()).toMatch(/apt-get install redis-server/);
      expect(output.text()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);
});
