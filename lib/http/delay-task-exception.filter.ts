import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DelayTaskError } from '../errors/delay-task.error';
import { InvalidDelayError } from '../errors/invalid-delay.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { InvalidPatternError } from '../errors/invalid-pattern.error';
import { InvalidPayloadError } from '../errors/invalid-payload.error';
import { InvalidTaskKeyError } from '../errors/invalid-task-key.error';
import { PayloadTooLargeError } from '../errors/payload-too-large.error';

/** The body of a 400 answered for a bad-input error, shaped like Nest's own `BadRequestException`. */
export interface DelayTaskBadRequestBody {
  statusCode: 400;
  /** The error's message: what was wrong and what to do. */
  message: string;
  error: 'Bad Request';
  /** The error's class, e.g. `'InvalidDelayError'`, for clients that branch on it. */
  name: string;
}

/**
 * Answers HTTP 400 for the module's bad-input errors — `InvalidTaskKeyError`,
 * `InvalidDelayError`, `InvalidPayloadError`, `PayloadTooLargeError`,
 * `InvalidPatternError`, `InvalidOptionsError` — thrown by a route that passed
 * a request's values to `DelayTaskService`. Other errors (Redis unreachable,
 * replication timeouts) are left to Nest, which answers 500.
 *
 * It replies through Nest's HTTP adapter (`HttpAdapterHost`), so it works on
 * Express and Fastify alike and the module depends on neither. Outside HTTP
 * (microservices, WebSockets) it rethrows the error unchanged.
 *
 * @example
 * ```ts
 * // in a module: DI supplies the HttpAdapterHost
 * providers: [{ provide: APP_FILTER, useClass: DelayTaskExceptionFilter }]
 * // or in main.ts
 * app.useGlobalFilters(new DelayTaskExceptionFilter(app.get(HttpAdapterHost)));
 * ```
 */
@Catch(
  InvalidTaskKeyError,
  InvalidDelayError,
  InvalidPayloadError,
  PayloadTooLargeError,
  InvalidPatternError,
  InvalidOptionsError,
)
export class DelayTaskExceptionFilter implements ExceptionFilter<DelayTaskError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: DelayTaskError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const body: DelayTaskBadRequestBody = {
      statusCode: 400,
      message: error.message,
      error: 'Bad Request',
      name: error.name,
    };
    this.adapterHost.httpAdapter.reply(
      host.switchToHttp().getResponse(),
      body,
      HttpStatus.BAD_REQUEST,
    );
  }
}
