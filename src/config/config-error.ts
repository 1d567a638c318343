// The start-up refusal of a bad configuration (file, options or environment): a stable code and a message naming the entry.
export class ConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
