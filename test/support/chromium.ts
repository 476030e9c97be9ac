import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package (`.ci/run` installs it when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** How the tests run Chromium: headless, quiet, never reaching out to the network on its own. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface TestChromium {
  browser: Browser;
  /** Disconnects, stops the browser process and removes its profile. */
  stop(): Promise<void>;
}

/**
 * Starts a headless Chromium with a fresh profile (a temp dir, removed on
 * stop) and connects playwright-core to it over the DevTools protocol.
 *
 * NOTE: started as our own process rather than by `chromium.launch`, which
 * refuses a `--user-data-dir` flag; so the flags above are exactly what runs.
 */
export async function startChromium(): Promise<TestChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The dashboard's browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install chromium (as .ci/run does).`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [...FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  try {
    const endpoint = await devToolsEndpoint(child);
    const browser = await chromium.connectOverCDP(endpoint);
    return {
      browser,
      stop: async () => {
        await browser.close().catch(() => undefined);
        await stopProcess(child);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcess(child);
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** The `ws://` address Chromium prints once it listens for DevTools. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`Chromium did not start within 20 s:\n${output}`)),
      20_000,
    );
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}) before listening:\n${output}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** SIGTERM, then SIGKILL for whatever of its process group (renderers, zygote) is left. */
async function stopProcess(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  await exited;
  child.stderr?.destroy();
}
