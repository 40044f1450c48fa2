/** Errors with stable codes, so callers branch on `code`, never on message text. */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

export interface ConfigProblem {
  readonly file: string;
  /** dotted key path, e.g. `relay.listen` or `members.2.emails.0` */
  readonly path: string;
  readonly reason: string;
}

/** The policy file is unreadable or invalid; start-up stops. */
export class ConfigError extends GatewayError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super('CONFIG_INVALID', problems.map(formatConfigProblem).join('\n'));
  }
}

export function formatConfigProblem(problem: ConfigProblem): string {
  return `${problem.file}: ${problem.path || '(top level)'}: ${problem.reason}`;
}

/**
 * A setting that passed validation but cannot be used on this machine (a directory that cannot
 * be created, say). `start` reports it as a config problem: file, key and reason.
 */
export class UnusableSettingError extends GatewayError {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super('CONFIG_UNUSABLE', `${key}: ${reason}`);
  }
}

/** An SMTP-facing refusal: `responseCode` becomes the reply code, the message its text. */
export class SmtpReplyError extends GatewayError {
  constructor(
    readonly responseCode: number,
    message: string,
    code = 'SMTP_REPLY',
  ) {
    super(code, message);
  }
}

/** The message of anything thrown, for logs and replies. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
