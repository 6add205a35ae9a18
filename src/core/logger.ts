/**
 * The one logger. pino with redaction of secret-bearing paths; messages themselves are
 * passed through `redact` by the places that log upstream text.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'cardplane' },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.authorization',
          '*.pan',
          '*.cvv',
          '*.cardNumber',
          '*.card_number',
          '*.privateKey',
          '*.secretKey',
          '*.apiKey',
          '*.token',
        ],
        censor: '[REDACTED]',
      },
    },
    destination,
  );
}
