import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { ON_KEY_EXPIRED_METADATA } from '../delay-task.constants';
import {
  handlerOptionsInvalid,
  handlerPatternInvalid,
  requestScopedHandler,
  transientHandler,
} from '../delay-task.messages';
import { OnKeyExpiredMetadata } from '../decorators/on-key-expired.decorator';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { InvalidPatternError } from '../errors/invalid-pattern.error';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';
import { RedisGlob } from '../pattern/redis-glob';
import { HandlerRegistry } from './handler.registry';
import { HandlerRoute } from './key-expired-handler';

/** Finds `@OnKeyExpired` methods on providers and controllers and registers them. It only finds; it never runs them. */
@Injectable()
export class DelayTaskExplorer {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: HandlerRegistry,
  ) {}

  /** Registers every decorated method; throws on an invalid pattern or options, naming class and method. */
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
    const registrations: OnKeyExpiredMetadata[] | undefined = Reflect.getMetadata(
      ON_KEY_EXPIRED_METADATA,
      method,
    );
    if (!registrations?.length) return;

    const className = instance.constructor?.name ?? String(wrapper.name);
    const where = `${className}.${methodName}`;
    if (!wrapper.isDependencyTreeStatic()) {
      this.logger.warn(requestScopedHandler(where));
      return;
    }
    // A transient provider has one instance per consumer, and the wrapper's own is a
    // placeholder Nest never constructed: there is no single instance to call.
    if (wrapper.isTransient) {
      this.logger.warn(transientHandler(where));
      return;
    }
    const routes = registrations.map((registration) => toRoute(where, registration));
    this.registry.register({
      id: where,
      routes,
      call: (event: ExpiredKeyEvent) => Reflect.apply(method, instance, [event]),
    });
  }
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
