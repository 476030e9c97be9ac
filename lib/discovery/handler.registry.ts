import { Injectable } from '@nestjs/common';
import { KeyExpiredHandler } from './key-expired-handler';

/** A handler that matches a given key, and whether that match asks for exclusive handling. */
export interface MatchedHandler {
  handler: KeyExpiredHandler;
  exclusive: boolean;
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

  /** Every distinct pattern: the set of scheduled tasks this instance may claim. */
  patterns(): string[] {
    return [...new Set(this.handlers.flatMap((h) => h.routes.map((r) => r.glob.pattern)))];
  }

  /** Handlers with at least one pattern matching `key`; each handler once. */
  match(key: Uint8Array | string): MatchedHandler[] {
    const matched: MatchedHandler[] = [];
    for (const handler of this.handlers) {
      let matches = false;
      let exclusive = false;
      for (const route of handler.routes) {
        if (!route.glob.matches(key)) continue;
        matches = true;
        exclusive ||= route.exclusive;
      }
      if (matches) matched.push({ handler, exclusive });
    }
    return matched;
  }
}
