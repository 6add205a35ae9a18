/** The state store's own failures: each names what is wrong and where, for start-up and readiness. */

/** The database cannot serve as the state store: damaged, unreachable, not a database, or from a newer version. */
export class StateDatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateDatabaseError';
  }
}

export class UnknownKeyError extends Error {
  constructor(tenant: string, key: string) {
    super(`No idempotency record for key ${key} of tenant ${tenant}: it must be claimed first`);
    this.name = 'UnknownKeyError';
  }
}

