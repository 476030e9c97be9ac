import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page's files, shipped beside this one (`static/`, copied to dist as assets). */
const STATIC_DIR = join(__dirname, 'static');

/**
 * The page, its script and its style, read once when the module starts.
 * The page is a template: `{{base}}` (the page's own URL, ending in `/`),
 * `{{readOnly}}` and `{{traceUrl}}` are filled in per request, HTML-escaped.
 */
export class DashboardAssets {
  readonly script = readFileSync(join(STATIC_DIR, 'dashboard.js'), 'utf8');
  readonly style = readFileSync(join(STATIC_DIR, 'dashboard.css'), 'utf8');
  private readonly template = readFileSync(join(STATIC_DIR, 'index.html'), 'utf8');

  page(values: { base: string; readOnly: boolean; traceUrl?: string }): string {
    const fill: Record<string, string> = {
      base: values.base,
      readOnly: String(values.readOnly),
      traceUrl: values.traceUrl ?? '',
    };
    return this.template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => escapeHtml(fill[name]));
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}
