import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs with personal data kept out: addresses, subjects and bodies are redacted
 * wherever they appear under these keys (UK GDPR minimisation).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'member-officer-gateway' },
    redact: {
      paths: ['from', 'to', 'cc', 'rcptTo', 'mailFrom', 'subject', 'body', 'text', '*.from', '*.to', '*.rcptTo', '*.mailFrom', '*.subject', '*.body', '*.text', 'password', '*.password'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing, for tests and the offline `screen` command. */
export const silentLogger: Logger = pino({ level: 'silent' });
