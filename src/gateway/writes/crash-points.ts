/**
 * Test-only crash points of the exactly-once engine: the crash-test matrix starts a gateway
 * process with `NODE_ENV=test` and `CARDPLANE_CRASH_AT=<point>`, and the process kills itself
 * (SIGKILL: no cleanup, no flush) when a write reaches that point. Outside `NODE_ENV=test` the
 * variable is never read and every point is a no-op.
 */
export type CrashPoint =
  /** The attempt is written ahead; nothing has been sent. */
  | 'before-send'
  /** The provider answered; the outcome is not recorded. */
  | 'after-answer';

const armed = process.env.NODE_ENV === 'test' ? process.env.CARDPLANE_CRASH_AT : undefined;

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
