import { Get, Header, Inject, Req } from '@nestjs/common';
import { DASHBOARD_CSP, DASHBOARD_OPTIONS } from './dashboard.constants';
import { DashboardAssets } from './dashboard-assets';
import { ResolvedDashboardOptions } from './dashboard-options.interface';

/** What the page needs of a request, on Express and Fastify alike. */
interface PageRequest {
  url?: string;
  originalUrl?: string;
}

/**
 * The dashboard's page and its two static files, each with a strict
 * Content-Security-Policy: no inline code, nothing from another origin.
 *
 * NOTE: not decorated with `@Controller`: `DelayTaskDashboardModule.register`
 * mounts a subclass at the configured path, with the configured guards.
 */
export class DashboardPageController {
  constructor(
    private readonly assets: DashboardAssets,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-store')
  page(@Req() request: PageRequest): string {
    return this.assets.page({
      base: pageBase(request),
      readOnly: this.options.readOnly,
      traceUrl: this.options.traceUrl,
    });
  }

  @Get('dashboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  script(): string {
    return this.assets.script;
  }

  @Get('dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  style(): string {
    return this.assets.style;
  }
}

/**
 * The page's URL path ending in `/`, the base of its script, style and API.
 * NOTE: read from the request, so the app's global prefix and a proxy that
 * keeps paths are followed without configuration.
 */
function pageBase(request: PageRequest): string {
  const path = (request.originalUrl ?? request.url ?? '/').split('?')[0];
  return path.endsWith('/') ? path : `${path}/`;
}
