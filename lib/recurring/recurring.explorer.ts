import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { RECURRING_METADATA } from '../delay-task.constants';
import { RecurringMetadata } from '../decorators/recurring.decorator';

/** A `@Recurring` declaration found on a method, and where (`Class.method`), for error messages. */
export interface FoundDeclaration extends RecurringMetadata {
  where: string;
}

/**
 * Finds `@Recurring` declarations on providers and controllers. Their
 * handlers are registered by the main explorer (`@Recurring` is also an
 * `@OnKeyExpired` of the literal key); this one only lists the series.
 */
@Injectable()
export class RecurringExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  explore(): FoundDeclaration[] {
    const found: FoundDeclaration[] = [];
    const seen = new Set<object>();
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance))
        continue;
      // Request-scoped and transient providers get no handler (the main explorer warns): no series either.
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
      const prototype: unknown = Object.getPrototypeOf(instance);
      if (!prototype || typeof prototype !== 'object') continue;
      seen.add(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method: unknown = Reflect.get(prototype, methodName);
        if (typeof method !== 'function') continue;
        const declarations: RecurringMetadata[] =
          Reflect.getMetadata(RECURRING_METADATA, method) ?? [];
        const where = `${instance.constructor?.name ?? String(wrapper.name)}.${methodName}`;
        for (const declaration of declarations) found.push({ ...declaration, where });
      }
    }
    return found;
  }
}
