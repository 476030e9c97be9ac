/** Base class of every error this module throws on purpose. */
export class DelayTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
