'use strict';
/**
 * The smoke check, shared by main.cjs and main.mjs. It takes the modules as
 * arguments instead of loading them, so each entry proves its own way of
 * loading them (require or import) and nothing else differs between the two.
 *
 * Plain JavaScript as a user would write it: decorators are applied by calling
 * them, and nothing is injected by constructor type (no emitted metadata).
 */

const TIMEOUT_MS = 15_000;

/**
 * @param {object} m
 * @param {string} m.label       'cjs' or 'esm', printed in the result line
 * @param {typeof import('@nestjs/common')} m.common
 * @param {typeof import('@nestjs/core')} m.core
 * @param {typeof import('nestjs-delay-task')} m.delayTask
 * @param {typeof import('ioredis').Redis} m.Redis
 */
async function runSmoke({ label, common, core, delayTask, Redis }) {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const prefix = process.env.SMOKE_PREFIX || `smoke-${label}`;
  const { Injectable, Module } = common;
  const { NestFactory } = core;
  const { DelayTaskModule, DelayTaskService, OnKeyExpired } = delayTask;

  const plainKey = `smoke:${Math.floor(Math.random() * 1e9)}`;
  const taskKey = 'smoke:task';
  const plainSeen = deferred();
  const taskSeen = deferred();

  class SmokeHandler {
    onExpired(event) {
      if (event.key === plainKey && event.scheduled === false) plainSeen.resolve(event);
      if (event.key === taskKey && event.scheduled === true) taskSeen.resolve(event);
    }
  }
  Injectable()(SmokeHandler);
  decorateMethod(SmokeHandler, 'onExpired', [OnKeyExpired('smoke:*')]);

  class SmokeModule {}
  Module({
    imports: [DelayTaskModule.forRoot({ connection: url, prefix })],
    providers: [SmokeHandler],
  })(SmokeModule);

  const app = await NestFactory.createApplicationContext(SmokeModule, {
    logger: ['error', 'warn'],
  });
  const outsider = new Redis(url);
  try {
    await outsider.set(plainKey, '1', 'PX', 100);
    await app.get(DelayTaskService).schedule(taskKey, { from: label }, { delay: 100 });

    const [plain, task] = await withTimeout(
      Promise.all([plainSeen.promise, taskSeen.promise]),
      TIMEOUT_MS,
      () =>
        `handlers not called within ${TIMEOUT_MS} ms: plain key ${plainSeen.done ? 'seen' : 'missing'}, ` +
        `scheduled task ${taskSeen.done ? 'seen' : 'missing'}`,
    );
    if (!task.payload || task.payload.from !== label) {
      throw new Error(`scheduled task arrived with payload ${JSON.stringify(task.payload)}`);
    }
    console.log(
      `SMOKE ${label} ok: plain ${plain.key} (source ${plain.source}), ` +
        `task ${task.key} (source ${task.source}, payload ${JSON.stringify(task.payload)})`,
    );
  } finally {
    outsider.disconnect();
    await app.close();
  }
}

/** What TypeScript's `__decorate` does for a method decorator. */
function decorateMethod(target, name, decorators) {
  const proto = target.prototype;
  const descriptor = Reflect.decorate(
    decorators,
    proto,
    name,
    Object.getOwnPropertyDescriptor(proto, name),
  );
  Object.defineProperty(proto, name, descriptor);
}

function deferred() {
  const d = { done: false };
  d.promise = new Promise((resolve) => {
    d.resolve = (value) => {
      d.done = true;
      resolve(value);
    };
  });
  return d;
}

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs the check and sets the exit code; the process ends once everything is closed. */
function main(modules) {
  runSmoke(modules).then(
    () => {
      process.exitCode = 0;
    },
    (error) => {
      console.error(`SMOKE ${modules.label} FAILED: ${error && error.stack ? error.stack : error}`);
      process.exitCode = 1;
    },
  );
}

module.exports = { main };
