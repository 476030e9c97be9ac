import { Injectable } from '@nestjs/common';
import { KeyExpiredHandler } from './key-expired-handler';

/** A handler that matches a given key, and whether that match asks for exclusive handling. */
export interface MatchedHandler {
  handler: KeyExpiredHandler;
  exclusive: boolean;
  /** The handler's first pattern that matches: how lifecycle events name the handler involved. */
  pattern: string;
}

/** The handlers this instance runs. Filled once by the explorer at bootstrap, read by the router. */
@Injectable()
export class HandlerRegistry {
  private handlers: KeyExpiredHandler[] = [];

  register(handler: KeyExpiredHandler): void {
    this.handlers.push(handler);
  }

  get size(): number {
    return this.handlers.length;
  }

  /** Every registered handler, in registration order. */
  all(): readonly KeyExpiredHandler[] {
    return this.handlers;
  }

  /** Every distinct pattern: the set of scheduled tasks this instance may claim. */
  patterns(): string[] {
    return [...new Set(this.handlers.flatMap((h) => h.routes.map((r) => r.glob.pattern)))];
  }

  /** Handlers with at least one pattern matching `key`; each handler once. */
  match(key: Uint8Array | string): MatchedHandler[] {
    const matched: MatchedHandler[] = [];
    for (const handler of this.handlers) {
      let pattern: string | undefined;
      let exclusive = false;
      for (const route of handler.routes) {
        if (!route.glob.matches(key)) continue;
        pattern ??= route.glob.pattern;
        exclusive ||= route.exclusive;
      }
      if (pattern !== undefined) matched.push({ handler, exclusive, pattern });
    }
    return matched;
  }

  /** The first pattern of this instance's handlers that matches `key`, if any. */
  patternOf(key: string): string | undefined {
    for (const handler of this.handlers) {
      const route = handler.routes.find((r) => r.glob.matches(key));
      if (route) return route.glob.pattern;
    }
    return undefined;
  }
}
