import { DelayTaskError } from './delay-task.error';

/** A `tz` that is not an IANA time zone this runtime knows (e.g. `'Europe/Berlin'`). */
export class UnknownTimeZoneError extends DelayTaskError {}
