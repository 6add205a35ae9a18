/**
 * A write's answer that came back as a success but could not be read (not JSON, will not
 * decrypt, malformed): the provider accepted the write, so what it did is unknown, not
 * failed. Such an answer is OUTCOME_UNKNOWN, which has the gateway reconcile it by reference
 * instead of ever taking it as "never sent". Every provider's writes go through here.
 */
import { ErrorCode, GatewayError } from '../../core/errors.js';

function unreadableSuccess(error: unknown, accepted: boolean): unknown {
  if (!(error instanceof GatewayError) || error.code !== ErrorCode.UPSTREAM_ERROR) return error;
  const status = error.upstream?.status;
  // Sending failed with an UPSTREAM_ERROR that is not a 2xx: an ordinary error answer.
  if (!accepted && (status === undefined || status < 200 || status >= 300)) return error;
  return new GatewayError(ErrorCode.OUTCOME_UNKNOWN, `${error.message}; the write was accepted, so its outcome is unknown`, {
    provider: error.provider,
    upstream: error.upstream,
    cause: error,
  });
}

/** Sends a write and reads its answer, an unreadable success being OUTCOME_UNKNOWN. */
export async function acceptedWrite<T>(send: () => Promise<unknown>, read: (raw: unknown) => T): Promise<T> {
  let raw: unknown;
  try {
    raw = await send();
  } catch (error) {
    throw unreadableSuccess(error, false);
  }
  try {
    return read(raw);
  } catch (error) {
    throw unreadableSuccess(error, true);
  }
}
