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

const IO_PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EFBIG: 'file too large',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
};

/** A write or read the machine refused (full disk, permissions): one line naming the path, exit 2. */
export class IoError extends UsageError {
  constructor(path: string, code: string) {
    super(`${path}: cannot write (${IO_PROBLEMS[code] ?? code}, ${code})`);
    this.name = 'IoError';
  }
}

/** An fs error the user can fix (disk, permissions, path) as an IoError; anything else unchanged. */
export function asIoError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code && code in IO_PROBLEMS ? new IoError(path, code) : e;
}
