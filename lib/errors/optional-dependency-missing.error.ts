import { DelayTaskError } from './delay-task.error';

/** An option asks for an integration whose optional peer dependency is not installed. */
export class OptionalDependencyMissingError extends DelayTaskError {
  constructor(
    /** The package to install. */
    readonly packageName: string,
    /** What asked for it, e.g. `metrics.prometheus`. */
    readonly feature: string,
  ) {
    super(
      `${feature} needs the package "${packageName}" (an optional peer dependency of ` +
        `nestjs-delay-task): npm install ${packageName}`,
    );
  }
}
