import { GatewayError } from '../../src/core/errors.js';

/**
 * The GatewayError `promise` rejects with, for assertions on its code and fields. The test
 * fails when the promise resolves, and any other error is rethrown as it is.
 */
export async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
