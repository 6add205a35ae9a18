/**
 * Admission control: at most `maxCostInFlight` of priced work executes at once, and while the
 * main thread is saturated, at most as many operations as saturation.ts allows; the rest
 * waits its turn, each viewer in a queue of its own, served in turn. Light operations (a card
 * by id, a top-up) never wait.
 *
 * Why: on two cores, fifty clients' nested queries (cost 3 440 each) all executing at once
 * lived about 1.3 s each, so nearly everything they allocated survived V8's scavenges and was
 * copied again and again (scavenges kept ~9 of 16 MB, ~11% of the main thread): a nested
 * query cost ~31 ms of CPU at 50 clients against ~25 ms at 5 (issue 14). The same work done a
 * few operations at a time finishes each one sooner, so less of it is copied, and throughput is
 * not lost as long as enough runs at once to keep the CPU busy while upstream answers are
 * awaited.
 *
 * Rules:
 * - a light operation, costing at most `lightCost` (a card by id or a top-up costs 1), runs at
 *   once and holds none of the budget: it is over quickly and keeps little alive, and a read
 *   of one card or a money movement must not queue behind another viewer's heavy lists;
 * - an operation runs at once when nothing waits and its cost fits in what is left of the
 *   budget; one costing more than the whole budget runs alone (the query limits bound it);
 * - otherwise it joins its viewer's queue; whenever work finishes, the viewers with waiting
 *   operations are served in turn (round robin), the head of each queue as soon as it fits,
 *   so one viewer's burst delays another viewer by at most one operation per waiting viewer,
 *   and a heavy operation is never overtaken indefinitely by light ones;
 * - an operation waits at most `maxWaitMs` and never past its request's deadline, and at most
 *   `maxWaiting` wait at once: past either, it is refused with a retryable RATE_LIMITED
 *   (`details.limit: 'admission'`), before anything was sent upstream.
 *
 * Pure bookkeeping: the clock is the caller's (`setTimeout`), nothing here touches a socket.
 */
import { ErrorCode, GatewayError } from '../core/errors.js';
import type { RequestScope } from '../core/request-scope.js';
import { refusalError } from './cost-budget.js';
import { RunningLimit } from './saturation.js';

export interface AdmissionOptions {
  /** Cost (limits.ts) of the operations executing at once, at most; at least the largest admitted operation's. */
  maxCostInFlight: number;
  /** Operations waiting at once, at most; past it, an operation that would wait is refused. */
  maxWaiting: number;
  /** Longest wait, ms (a request's own deadline may end it sooner). */
  maxWaitMs: number;
  /** Operations costing at most this run at once, outside the budget. */
  lightCost: number;
  /**
   * While the main thread is saturated, the operations executing at once are brought down
   * toward this many, no lower (saturation.ts); 0: never limited by count.
   */
  saturatedRunning: number;
}

/**
 * An operation's place: admitted at once (`ready` absent), or waiting until `ready` resolves
 * (rejected with RATE_LIMITED if its turn does not come in time).
 */
export interface AdmissionTicket {
  /** Absent when the operation may run at once; else settles when its turn comes or it is refused. */
  readonly ready?: Promise<void>;
  /**
   * The operation is over: gives its budget back, or leaves the queue if it is still waiting
   * (its request ended otherwise). Only the first call counts.
   */
  release(): void;
}

/** What `Admission.enter` is told about an operation. */
export interface AdmissionRequest {
  /** Whose queue it waits in (`tenant:subject`). */
  viewer: string;
  /** Its cost (limits.ts). */
  cost: number;
  /** Its request's deadline: once aborted, it stops waiting. */
  signal?: AbortSignal;
}

/** Why a wait ended without admission (the message of the typed error). */
type Refusal = 'full' | 'waited' | 'deadline';

const REFUSALS: Record<Refusal, string> = {
  full: 'The gateway is busy: too many operations are waiting to run',
  waited: 'The gateway is busy: this operation waited too long for its turn to run',
  deadline: "The gateway is busy: the request's deadline passed while it waited for its turn to run",
};

/** The typed error of a refused operation: retryable, nothing was sent upstream. */
export function admissionRefused(reason: Refusal): GatewayError {
  return new GatewayError(ErrorCode.RATE_LIMITED, `${REFUSALS[reason]}; retry after 1 second`, {
    retryAfterSeconds: 1,
    details: { limit: 'admission' },
  });
}

/** Admission snapshot, for metrics and tests. */
export interface AdmissionState {
  /** Cost of the operations executing (light ones not counted). */
  costInFlight: number;
  /** Operations executing (light ones not counted). */
  running: number;
  /** Operations waiting. */
  waiting: number;
}

type Stage = 'waiting' | 'running' | 'done';

/** The ticket of every light operation: nothing held, nothing to give back. */
const LIGHT: AdmissionTicket = Object.freeze({ release() {} });

/** One operation's place: its ticket, and the queue entry while it waits. */
class Place implements AdmissionTicket {
  stage: Stage = 'running';
  ready?: Promise<void>;
  admit?: () => void;
  refuse?: (error: GatewayError) => void;

  constructor(
    private readonly admission: Admission,
    readonly viewer: string,
    readonly cost: number,
  ) {}

  release(): void {
    this.admission.release(this);
  }
}

export class Admission {
  private costInFlight = 0;
  private running = 0;
  private waiting = 0;
  /** Waiting operations per viewer; the map's order is the turn order (served viewers go to the back). */
  private readonly queues = new Map<string, Place[]>();
  private readonly limit: RunningLimit;

  constructor(private readonly options: AdmissionOptions) {
    const { maxCostInFlight, maxWaiting, maxWaitMs } = options;
    if (!(Number.isFinite(maxCostInFlight) && maxCostInFlight > 0)) throw new RangeError('maxCostInFlight must be a positive number');
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0)) throw new RangeError('maxWaiting must be a non-negative integer');
    if (!(Number.isFinite(maxWaitMs) && maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be a non-negative number');
    if (!(options.lightCost >= 0 && options.lightCost < maxCostInFlight)) throw new RangeError('lightCost must be a non-negative number below maxCostInFlight');
    this.limit = new RunningLimit(options.saturatedRunning);
  }

  /**
   * An operation's place: admitted at once when it may run now (no promise made: the common,
   * cheap case), else in its viewer's queue. Throws RATE_LIMITED (a GatewayError) when it may
   * not wait: too many already do, or its deadline has passed.
   */
  enter(request: AdmissionRequest): AdmissionTicket {
    const { cost, signal } = request;
    if (!(cost >= 0)) throw new RangeError('cost must be a non-negative number');
    if (cost <= this.options.lightCost) return LIGHT;
    const place = new Place(this, request.viewer, cost);
    if (this.waiting === 0 && this.fits(cost)) {
      this.start(place);
      return place;
    }
    if (signal?.aborted) throw admissionRefused('deadline');
    if (this.waiting >= this.options.maxWaiting) throw admissionRefused('full');
    place.stage = 'waiting';
    place.ready = new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      place.admit = () => {
        settle();
        resolve();
      };
      place.refuse = (error) => {
        settle();
        reject(error);
      };
      const giveUp = (reason: Refusal) => {
        if (place.stage !== 'waiting') return;
        place.refuse!(admissionRefused(reason));
        this.leave(place);
      };
      const onAbort = () => giveUp('deadline');
      const timer = setTimeout(() => giveUp('waited'), this.options.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // A refusal nobody awaits (the request ended otherwise) is not an unhandled rejection.
    place.ready.catch(() => {});
    this.join(place);
    return place;
  }

  get state(): AdmissionState {
    return { costInFlight: this.costInFlight, running: this.running, waiting: this.waiting };
  }

  /** Operations that may execute at once now, from the main thread's load (Infinity: no limit). */
  get runningLimit(): number {
    return this.limit.value;
  }

  /** The main thread's utilisation over the last interval (saturation.ts): the count limit follows it. */
  adapt(utilization: number): void {
    if (this.limit.observe(utilization, this.running)) this.serve();
  }

  /** `place` is over: its budget back if it ran, out of the queue if it waited. */
  release(place: Place): void {
    if (place.stage === 'running') {
      place.stage = 'done';
      this.costInFlight -= place.cost;
      this.running -= 1;
      this.serve();
    } else if (place.stage === 'waiting') {
      place.refuse!(admissionRefused('waited'));
      this.leave(place);
    }
  }

  private fits(cost: number): boolean {
    return this.running === 0 || (this.costInFlight + cost <= this.options.maxCostInFlight && this.running < this.limit.value);
  }

  private start(place: Place): void {
    place.stage = 'running';
    this.costInFlight += place.cost;
    this.running += 1;
  }

  private join(place: Place): void {
    const queue = this.queues.get(place.viewer);
    if (queue) queue.push(place);
    else this.queues.set(place.viewer, [place]);
    this.waiting += 1;
  }

  /** Takes waiting `place` out of its queue (it is done), then lets those behind it start if they now fit. */
  private leave(place: Place): void {
    const queue = this.queues.get(place.viewer)!;
    queue.splice(queue.indexOf(place), 1);
    if (queue.length === 0) this.queues.delete(place.viewer);
    this.waiting -= 1;
    place.stage = 'done';
    this.serve();
  }

  /** Starts waiting operations, viewer by viewer in turn, while the next one fits. */
  private serve(): void {
    for (;;) {
      const next = this.queues.entries().next();
      if (next.done) return;
      const [viewer, queue] = next.value;
      const head = queue[0]!;
      if (!this.fits(head.cost)) return;
      queue.shift();
      this.queues.delete(viewer);
      // Served: to the back of the turn order, if it still has operations waiting.
      if (queue.length > 0) this.queues.set(viewer, queue);
      this.waiting -= 1;
      this.start(head);
      head.admit!();
    }
  }
}

/** The request as the gate sees it: its scope, and the client's connection when it came over HTTP. */
export interface AdmittedRequest extends RequestScope {
  /**
   * The HTTP response: its `close` event fires when the answer is done or, before that, when
   * the client went away (a waiting operation then leaves the queue: nobody would read it).
   */
  client?: Pick<NodeJS.EventEmitter, 'once' | 'off'>;
}

/**
 * `costPlugin`'s `admit`: each operation's place in `admission`, in its viewer's queue, its
 * wait bounded by its request's deadline and ended if its client goes away; a refusal is the
 * typed RATE_LIMITED error with HTTP 503 and Retry-After (the gateway, not the viewer, is
 * short of room).
 */
export function admissionGate(admission: Admission): (context: AdmittedRequest, cost: number) => AdmissionTicket {
  const refusal = (error: unknown, context: RequestScope) => (error instanceof GatewayError ? refusalError(error, context.requestId, 503) : error);
  return (context, cost) => {
    let ticket: AdmissionTicket;
    try {
      ticket = admission.enter({ viewer: context.cx.viewerKey ?? '', cost, signal: context.cx.signal });
    } catch (error) {
      throw refusal(error, context);
    }
    if (!ticket.ready) return ticket;
    const { client } = context;
    const leave = () => ticket.release();
    client?.once('close', leave);
    return {
      ready: ticket.ready.then(
        () => void client?.off('close', leave),
        (error: unknown) => {
          client?.off('close', leave);
          throw refusal(error, context);
        },
      ),
      release: leave,
    };
  };
}
