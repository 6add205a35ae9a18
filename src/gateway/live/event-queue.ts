/**
 * The events waiting for one subscription: an async iterator (what a GraphQL subscription
 * resolver returns) over a bounded queue. A client that does not read as fast as events come
 * is not buffered for without bound: past `maxQueued` waiting events, `onOverflow` runs (the
 * socket is closed as too slow) and the iterator ends.
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private done = false;
  private finishing = false;

  constructor(
    private readonly maxQueued: number,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void,
  ) {}

  push(value: T): void {
    if (this.done || this.finishing) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.queued.length >= this.maxQueued) {
      this.end();
      this.onOverflow();
      return;
    }
    this.queued.push(value);
  }

  /** No more events will come: the iterator ends once the queued ones are read. */
  finish(): void {
    if (this.done) return;
    this.finishing = true;
    if (this.queued.length === 0) this.end();
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.queued.shift();
    if (value !== undefined) {
      if (this.finishing && this.queued.length === 0) this.end();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The subscriber is gone (client `complete`, socket closed): nothing more is kept for it. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Events waiting to be sent. */
  get size(): number {
    return this.queued.length;
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.queued.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }
}
