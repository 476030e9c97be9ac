import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { ON_KEY_EXPIRED_METADATA, ON_TASK_EVENT_METADATA } from '../delay-task.constants';
import {
  describe,
  handlerOptionsInvalid,
  handlerPatternInvalid,
  requestScopedHandler,
  taskEventPatternInvalid,
  taskEventTypeInvalid,
  transientHandler,
} from '../delay-task.messages';
import { OnKeyExpiredMetadata } from '../decorators/on-key-expired.decorator';
import { OnTaskEventMetadata } from '../decorators/on-task-event.decorator';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { InvalidPatternError } from '../errors/invalid-pattern.error';
import { TaskLifecycleEventType } from '../interfaces/task-lifecycle-event.interface';
import { RedisGlob } from '../pattern/redis-glob';
import { HandlerRegistry } from './handler.registry';
import { HandlerRoute } from './key-expired-handler';
import { TaskEventRoute } from './task-event-listener';
import { TaskEventListenerRegistry } from './task-event-listener.registry';

/**
 * Finds `@OnKeyExpired` handlers and `@OnTaskEvent` listeners on providers and
 * controllers and registers them. It only finds; it never runs them.
 */
@Injectable()
export class DelayTaskExplorer {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: HandlerRegistry,
    private readonly listeners: TaskEventListenerRegistry,
  ) {}

  /** Registers every decorated method; throws on an invalid pattern, type or options, naming class and method. */
  explore(): void {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const seen = new Set<object>();
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      // Aliases (useExisting) point at an instance registered under its own token too.
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance))
        continue;
      const prototype: unknown = Object.getPrototypeOf(instance);
      if (!prototype || typeof prototype !== 'object') continue;
      seen.add(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        this.exploreMethod(wrapper, instance, prototype, methodName);
      }
    }
  }

  private exploreMethod(
    wrapper: InstanceWrapper,
    instance: object,
    prototype: object,
    methodName: string,
  ): void {
    const method: unknown = Reflect.get(prototype, methodName);
    if (typeof method !== 'function') return;
    const handlerRegistrations: OnKeyExpiredMetadata[] =
      Reflect.getMetadata(ON_KEY_EXPIRED_METADATA, method) ?? [];
    const listenerRegistrations: OnTaskEventMetadata[] =
      Reflect.getMetadata(ON_TASK_EVENT_METADATA, method) ?? [];
    if (handlerRegistrations.length === 0 && listenerRegistrations.length === 0) return;

    const className = instance.constructor?.name ?? String(wrapper.name);
    const where = `${className}.${methodName}`;
    const decorators = [
      handlerRegistrations.length > 0 ? '@OnKeyExpired' : '',
      listenerRegistrations.length > 0 ? '@OnTaskEvent' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(requestScopedHandler(where, decorators));
      return;
    }
    // A transient provider has one instance per consumer, and the wrapper's own is a
    // placeholder Nest never constructed: there is no single instance to call.
    if (wrapper.isTransient) {
      this.logger.warn(transientHandler(where, decorators));
      return;
    }
    const call = (event: unknown) => Reflect.apply(method, instance, [event]);
    if (handlerRegistrations.length > 0) {
      const routes = handlerRegistrations.map((registration) => toRoute(where, registration));
      this.registry.register({
        id: where,
        routes,
        call,
        ...handlerLimits(where, handlerRegistrations),
      });
    }
    if (listenerRegistrations.length > 0) {
      const routes = listenerRegistrations.map((registration) =>
        toListenerRoute(where, registration),
      );
      this.listeners.register({ id: where, routes, call });
    }
  }
}

/** Every lifecycle event type; a record, so that the compiler insists on each one. */
const TASK_EVENT_TYPES: Record<TaskLifecycleEventType, true> = {
  scheduled: true,
  started: true,
  completed: true,
  failed: true,
  retrying: true,
  dead: true,
  recovered: true,
  cancelled: true,
  skipped: true,
};

function isTaskEventType(type: unknown): type is TaskLifecycleEventType {
  return typeof type === 'string' && Object.hasOwn(TASK_EVENT_TYPES, type);
}

function toListenerRoute(where: string, { type, pattern }: OnTaskEventMetadata): TaskEventRoute {
  if (!isTaskEventType(type)) {
    throw new InvalidOptionsError(taskEventTypeInvalid(where, type, Object.keys(TASK_EVENT_TYPES)));
  }
  if (pattern === undefined) return { type };
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new InvalidPatternError(taskEventPatternInvalid(where, pattern));
  }
  return { type, glob: new RedisGlob(pattern) };
}

/** Longest `timeoutMs`: Node's timers overflow (and fire at once) past 2^31 - 1 ms. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * `concurrency` and `timeoutMs` of a handler: each a positive integer where
 * given. A method stacking several `@OnKeyExpired` takes the smallest of each.
 */
function handlerLimits(
  where: string,
  registrations: readonly OnKeyExpiredMetadata[],
): { concurrency?: number; timeoutMs?: number } {
  const limits: { concurrency?: number; timeoutMs?: number } = {};
  for (const { options } of registrations) {
    if (options === null || typeof options !== 'object') continue; // toRoute reports it
    for (const name of ['concurrency', 'timeoutMs'] as const) {
      const value: unknown = Reflect.get(options, name);
      if (value === undefined) continue;
      const max = name === 'timeoutMs' ? MAX_TIMEOUT_MS : Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
        throw new InvalidOptionsError(
          handlerOptionsInvalid(
            where,
            `"${name}" must be an integer from 1 to ${max}, got ${describe(value)}`,
          ),
        );
      }
      limits[name] = Math.min(limits[name] ?? value, value);
    }
  }
  return limits;
}

function toRoute(where: string, { pattern, options }: OnKeyExpiredMetadata): HandlerRoute {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new InvalidPatternError(handlerPatternInvalid(where, pattern));
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionsError(handlerOptionsInvalid(where, 'options must be an object'));
  }
  const exclusive: unknown = Reflect.get(options, 'exclusive');
  if (exclusive !== undefined && typeof exclusive !== 'boolean') {
    throw new InvalidOptionsError(handlerOptionsInvalid(where, '"exclusive" must be a boolean'));
  }
  return { glob: new RedisGlob(pattern), exclusive: exclusive === true };
}
