import { DelayTaskError } from './delay-task.error';

/** A cron rule was given, but the optional peer dependency `croner` that reads cron expressions is not installed. */
export class CronParserMissingError extends DelayTaskError {}
