import { INestApplicationContext, LoggerService, LogLevel, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';

/**
 * Compiles and initialises a Nest application context from arbitrary module
 * metadata (for `forRootAsync` and other wirings `startApp` does not cover),
 * with the given logger installed before `init()` so bootstrap lines are seen.
 *
 * If `init()` fails the half-started context is closed before the error is
 * rethrown, so a test of a failing bootstrap leaves no connection behind.
 */
export async function bootApp(
  metadata: ModuleMetadata,
  logger: LoggerService | LogLevel[] = ['error', 'warn'],
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  moduleRef.useLogger(logger);
  try {
    return await moduleRef.init();
  } catch (error) {
    await moduleRef.close().catch(() => undefined);
    throw error;
  }
}
