/**
 * Error answers thrown from deep inside a route handler: a simulator's error class extends
 * `AnswerError` with its contract's body, and `answeringErrors` turns the throw into that
 * answer, so validation helpers can stop a handler wherever they find a problem.
 */
import type { SandboxRequest, SandboxResponse } from './server.js';

export abstract class AnswerError extends Error {
  /** The contract's error answer. */
  abstract toResponse(): SandboxResponse;
}

/** A synchronous handler: a check and the write it guards happen in one turn of the event loop. */
export type SyncHandler = (req: SandboxRequest) => SandboxResponse;

/** `handler`, answering any `AnswerError` it throws with its body (other errors propagate). */
export function answeringErrors(handler: SyncHandler): SyncHandler {
  return (req) => {
    try {
      return handler(req);
    } catch (err) {
      if (err instanceof AnswerError) return err.toResponse();
      throw err;
    }
  };
}

/** Throws `error`; for expressions such as `map.get(id) ?? raise(notFound(id))`. */
export function raise(error: Error): never {
  throw error;
}
