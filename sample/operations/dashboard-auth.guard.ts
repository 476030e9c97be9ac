import { CanActivate, ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The credentials the dashboard asks for. */
export interface DashboardCredentials {
  user: string;
  password: string;
}

/**
 * HTTP Basic authentication for the dashboard, page and API alike: the
 * browser asks once and sends the credentials with every request the page
 * makes. Use it over HTTPS only (Basic sends them in clear text); an app
 * with its own login would pass its session guard instead.
 */
export class DashboardBasicAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(credentials: DashboardCredentials) {
    this.expected = digest(`${credentials.user}:${credentials.password}`);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const { authorization } = http.getRequest<{ headers: { authorization?: string } }>().headers;
    const [scheme, encoded] = (authorization ?? '').split(' ');
    if (scheme?.toLowerCase() === 'basic' && encoded) {
      // Digests of equal length, compared in constant time: the answer leaks nothing of the password.
      const given = digest(Buffer.from(encoded, 'base64').toString('utf8'));
      if (timingSafeEqual(given, this.expected)) return true;
    }
    http
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader('WWW-Authenticate', 'Basic realm="delay-tasks", charset="UTF-8"');
    throw new UnauthorizedException(
      'The dashboard needs the user and password it was started with.',
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
