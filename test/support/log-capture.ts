import { ConsoleLogger, Logger, LoggerService, LogLevel } from '@nestjs/common';

/** One line a Nest logger was asked to print. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  /** The logger's context (`DelayTaskModule` for the module's own lines). */
  context?: string;
  /** Everything passed after the message, context excluded (e.g. an error's stack). */
  params: unknown[];
}

/**
 * A Nest logger that records every line instead of printing it, so a test can
 * assert on what the module told the operator (warnings, handler failures).
 *
 * Install it with `moduleRef.useLogger(capture)` before `init()`: Nest's
 * `Logger` instances forward to whatever logger was installed last.
 */
export class LogCapture implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  /** Messages of one level logged under `context` (the module's by default). */
  messages(level: LogLevel, context: string | null = 'DelayTaskModule'): string[] {
    return this.entries
      .filter((entry) => entry.level === level && (context === null || entry.context === context))
      .map((entry) => entry.message);
  }

  private record(level: LogLevel, message: unknown, params: unknown[]): void {
    // Nest's Logger appends its context as the last parameter.
    const last = params.at(-1);
    const context = typeof last === 'string' ? last : undefined;
    this.entries.push({
      level,
      message: typeof message === 'string' ? message : String(message),
      context,
      params: context === undefined ? params : params.slice(0, -1),
    });
  }
}

/** Puts back a console logger printing only errors and warnings, as `startApp` configures it. */
export function restoreConsoleLogger(): void {
  Logger.overrideLogger(new ConsoleLogger({ logLevels: ['error', 'warn'] }));
}
