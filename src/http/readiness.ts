/**
 * Liveness and readiness. `/healthz` answers 200 whenever the process serves HTTP at all
 * (liveness: restart me only if this fails). `/readyz` answers 200 only when this replica
 * should be sent traffic, and 503 otherwise, with a body naming each check and its state —
 * never the reason, which goes to the log (no token is needed here):
 * - `startup`: pending until the composition root has finished wiring everything;
 * - the dependencies' checks (the state store's, see app.ts);
 * - `draining`: failing from the start of shutdown, so a load balancer stops sending requests
 *   before the server stops accepting them.
 */
import { sendJson, type Step } from './exchange.js';

export type CheckState = 'ok' | 'failing' | 'pending';

export interface ReadinessReport {
  status: 'ready' | 'unready';
  checks: Record<string, CheckState>;
}

/** The dependencies' checks by name, e.g. `{ stateStore: 'ok', stateStoreWrites: 'ok' }`. */
export type DependencyChecks = () => Promise<Record<string, 'ok' | 'failing'>>;

export class Readiness {
  private started = false;
  private draining = false;

  constructor(private readonly dependencies: DependencyChecks) {}

  /** Start-up is complete: every listener is up and every background job started. */
  markStarted(): void {
    this.started = true;
  }

  /** Shutdown has begun: answer not-ready from now on, while in-flight requests finish. */
  drain(): void {
    this.draining = true;
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, CheckState> = {
      startup: this.started ? 'ok' : 'pending',
      ...(await this.dependencies()),
      draining: this.draining ? 'failing' : 'ok',
    };
    return { status: Object.values(checks).every((state) => state === 'ok') ? 'ready' : 'unready', checks };
  }
}

/** `GET /healthz`: liveness, always 200 while the process serves HTTP. */
export const livenessEndpoint: Step = ({ res }) => {
  sendJson(res, 200, { status: 'ok' });
};

/** `GET /readyz`: 200 with every check ok, else 503; never cached. */
export function readinessEndpoint(readiness: Readiness): Step {
  return async ({ res }) => {
    const report = await readiness.report();
    res.setHeader('cache-control', 'no-store');
    sendJson(res, report.status === 'ready' ? 200 : 503, report);
  };
}
