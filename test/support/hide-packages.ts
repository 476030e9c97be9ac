/**
 * Preloaded (`node -r`) into a child process to make packages look not
 * installed: node's resolver fails for each name in HIDE_PACKAGES (comma
 * separated) as it does for a package that is absent from node_modules.
 */
import Module from 'node:module';

const hidden = new Set((process.env.HIDE_PACKAGES ?? '').split(',').filter(Boolean));
type Resolve = (request: string, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolve };
const resolve = internals._resolveFilename;
internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (hidden.has(request)) {
    const error = new Error(`Cannot find module '${request}'`) as NodeJS.ErrnoException;
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
