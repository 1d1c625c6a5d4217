// Errors a user can fix: the CLI prints the message on one line and exits 2, without a stack.
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class ConfigError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A data file that cannot be read as-is; the message starts with the file's path. */
export class DataError extends UsageError {
  constructor(label: string, problem: string) {
    super(`${label}: ${problem}`);
    this.name = 'DataError';
  }
}
