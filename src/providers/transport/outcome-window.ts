/**
 * The outcomes a circuit breaker counts: when each call ended and whether it was an error,
 * oldest first, forgotten once older than the window.
 *
 * Held in a ring of two typed arrays rather than an array of `{ at, error }` objects: every
 * upstream call records one, and each lives for the whole window (10 s, 60 s), long enough to
 * survive two young-generation collections and be promoted, so under load the objects were a
 * steady stream of old-generation garbage (the largest long-lived allocation of a card query,
 * issue 14). The ring allocates only when it grows or shrinks, and its size follows the
 * busiest window, not uptime.
 */
const INITIAL_CAPACITY = 256;

export class OutcomeWindow {
  private at = new Float64Array(INITIAL_CAPACITY);
  private error = new Uint8Array(INITIAL_CAPACITY);
  /** Index of the oldest outcome. */
  private head = 0;
  private count = 0;
  private errorCount = 0;

  /** Outcomes in the window. */
  get size(): number {
    return this.count;
  }

  /** Errors in the window. */
  get errors(): number {
    return this.errorCount;
  }

  /** Records an outcome at `at` (never earlier than the last one). */
  push(at: number, error: boolean): void {
    if (this.count === this.at.length) this.resize(this.at.length * 2);
    const slot = (this.head + this.count) % this.at.length;
    this.at[slot] = at;
    this.error[slot] = error ? 1 : 0;
    this.count += 1;
    if (error) this.errorCount += 1;
  }

  /** Forgets the outcomes at or before `oldest`. */
  forgetUpTo(oldest: number): void {
    const capacity = this.at.length;
    while (this.count > 0 && this.at[this.head]! <= oldest) {
      this.errorCount -= this.error[this.head]!;
      this.head = (this.head + 1) % capacity;
      this.count -= 1;
    }
    // Memory follows the window: a ring four times too large for what it holds halves.
    if (capacity > INITIAL_CAPACITY && this.count * 4 < capacity) this.resize(capacity / 2);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.errorCount = 0;
    if (this.at.length > INITIAL_CAPACITY) this.resize(INITIAL_CAPACITY);
  }

  /** Copies the outcomes, oldest first, into rings of `capacity` (≥ the count). */
  private resize(capacity: number): void {
    const at = new Float64Array(capacity);
    const error = new Uint8Array(capacity);
    for (let i = 0; i < this.count; i += 1) {
      const from = (this.head + i) % this.at.length;
      at[i] = this.at[from]!;
      error[i] = this.error[from]!;
    }
    this.at = at;
    this.error = error;
    this.head = 0;
  }
}
