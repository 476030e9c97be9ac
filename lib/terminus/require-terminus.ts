/**
 * Fails the import of `nestjs-delay-task/terminus` with what to install when
 * its optional peer dependency is missing, rather than with a bare
 * "Cannot find module" from deep inside the package.
 */
try {
  require.resolve('@nestjs/terminus');
} catch {
  throw new Error(
    'nestjs-delay-task/terminus needs the package "@nestjs/terminus" (an optional peer ' +
      'dependency): npm install @nestjs/terminus',
  );
}

export {};
