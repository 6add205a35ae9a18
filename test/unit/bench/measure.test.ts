/**
 * How the sides of a comparison are measured in turns (bench/measure.ts), with fake sides that
 * record what they are asked: warm-ups first, rounds alternating A B … B A, each side's peak RSS
 * between its loaded and one-client rounds, each figure the median of the side's own rounds.
 */
import { localRunner, measureSides, turnOrder, type Figures, type SideRunner } from '../../../bench/measure';
import { figures } from './figures';

const settings = { concurrency: 50, durationMs: 8_000, warmupMs: 2_000, repeat: 3, singleDurationMs: 4_000, turnWarmupMs: 0 };

/** Fake runners that log each call as `label op clients` and answer rounds from `rounds[label]`, in turn. */
function recordingRunners(rounds: Record<string, Array<Partial<Figures>>>, peakRssMb: Record<string, number> = {}) {
  const calls: string[] = [];
  const runners: Record<string, SideRunner> = {};
  for (const [label, answers] of Object.entries(rounds)) {
    let next = 0;
    runners[label] = {
      async warmUp(clients) {
        calls.push(`${label} warmUp ${clients}`);
      },
      async round(clients) {
        calls.push(`${label} round ${clients}`);
        return figures(answers[next++ % answers.length]);
      },
      async peakRssMb() {
        calls.push(`${label} peakRss`);
        return peakRssMb[label] ?? 0;
      },
    };
  }
  return { runners, calls };
}

describe('turnOrder', () => {
  it('keeps the order in even rounds and reverses it in odd ones, so no side always goes first', () => {
    expect([0, 1, 2, 3].map((r) => turnOrder(['gateway', 'direct', 'peer'], r))).toEqual([
      ['gateway', 'direct', 'peer'],
      ['peer', 'direct', 'gateway'],
      ['gateway', 'direct', 'peer'],
      ['peer', 'direct', 'gateway'],
    ]);
  });
});

describe('measureSides', () => {
  it('warms every side up, takes the loaded rounds in alternating turns, reads peak RSS, then does the same with one client', async () => {
    const { runners, calls } = recordingRunners({ gateway: [{}], direct: [{}], peer: [{}] });
    await measureSides(runners, settings);
    expect(calls).toEqual([
      'gateway warmUp 50', 'direct warmUp 50', 'peer warmUp 50',
      'gateway round 50', 'direct round 50', 'peer round 50',
      'peer round 50', 'direct round 50', 'gateway round 50',
      'gateway round 50', 'direct round 50', 'peer round 50',
      'gateway peakRss', 'direct peakRss', 'peer peakRss',
      'gateway warmUp 1', 'direct warmUp 1', 'peer warmUp 1',
      'gateway round 1', 'direct round 1', 'peer round 1',
      'peer round 1', 'direct round 1', 'gateway round 1',
      'gateway round 1', 'direct round 1', 'peer round 1',
    ]);
  });

  it('warms a side up again, unmeasured, just before each of its rounds when asked to', async () => {
    const { runners, calls } = recordingRunners({ gateway: [{}], direct: [{}] });
    await measureSides(runners, { ...settings, repeat: 2, turnWarmupMs: 500 });
    expect(calls).toEqual([
      'gateway warmUp 50', 'direct warmUp 50',
      'gateway warmUp 50', 'gateway round 50', 'direct warmUp 50', 'direct round 50',
      'direct warmUp 50', 'direct round 50', 'gateway warmUp 50', 'gateway round 50',
      'gateway peakRss', 'direct peakRss',
      'gateway warmUp 1', 'direct warmUp 1',
      'gateway warmUp 1', 'gateway round 1', 'direct warmUp 1', 'direct round 1',
      'direct warmUp 1', 'direct round 1', 'gateway warmUp 1', 'gateway round 1',
    ]);
  });

  it('gives each side the median of its own rounds, the rounds in the order they ran, and its peak RSS', async () => {
    const { runners } = recordingRunners(
      {
        gateway: [{ cpuMsPerRequest: 0.9 }, { cpuMsPerRequest: 0.7 }, { cpuMsPerRequest: 0.8 }, { p50: 12 }, { p50: 14 }, { p50: 11 }],
        direct: [{ cpuMsPerRequest: 0.4 }, { cpuMsPerRequest: 0.5 }, { cpuMsPerRequest: 0.3 }, { p50: 10 }, { p50: 10.5 }, { p50: 10.2 }],
      },
      { gateway: 140, direct: 60 },
    );
    const sides = await measureSides(runners, settings);
    expect(sides.gateway.loaded.cpuMsPerRequest).toBe(0.8);
    expect(sides.direct.loaded.cpuMsPerRequest).toBe(0.4);
    expect(sides.gateway.single.p50).toBe(12);
    expect(sides.direct.single.p50).toBe(10.2);
    expect(sides.gateway.runs.loaded.map((r) => r.cpuMsPerRequest)).toEqual([0.9, 0.7, 0.8]);
    expect(sides.direct.runs.single.map((r) => r.p50)).toEqual([10, 10.5, 10.2]);
    expect([sides.gateway.peakRssMb, sides.direct.peakRssMb]).toEqual([140, 60]);
  });

  it('stops at the first side that fails, before anything else is asked of any side', async () => {
    const { runners, calls } = recordingRunners({ gateway: [{}], direct: [{}] });
    runners.direct!.warmUp = async () => {
      throw new Error('the card does not exist');
    };
    await expect(measureSides(runners, settings)).rejects.toThrow('the card does not exist');
    expect(calls).toEqual(['gateway warmUp 50']);
  });
});

describe('localRunner', () => {
  /** A side whose requests log how many clients sent them, each costing 2 ms of CPU and 3 upstream calls. */
  function loggingSide(fail?: (i: number) => boolean) {
    const requests: Array<{ i: number; clients: number }> = [];
    let cpuMs = 0;
    let upstreamCalls = 0;
    const side = {
      async request(i: number, _client: number, _nth: number, clients: number) {
        requests.push({ i, clients });
        cpuMs += 2;
        upstreamCalls += 3;
        await new Promise((r) => setImmediate(r));
        if (fail?.(i)) throw new Error('HTTP 503');
      },
      cpuMs: () => cpuMs,
      peakRssMb: () => 42,
      upstream: async (reset?: boolean) => {
        if (reset) upstreamCalls = 0;
        return upstreamCalls;
      },
    };
    return { side, requests };
  }

  it('sends one request alone before its first warm-up only, so a broken shape fails before any load', async () => {
    const { side, requests } = loggingSide();
    const runner = localRunner(side);
    await runner.warmUp(4, 5);
    expect(requests[0]).toEqual({ i: 0, clients: 1 });
    expect(requests.slice(1).every((r) => r.clients === 4)).toBe(true);
    const before = requests.length;
    await runner.warmUp(1, 5);
    expect(requests.slice(before).every((r) => r.clients === 1)).toBe(true);
    expect(requests.map((r) => r.i)).toEqual(requests.map((_, i) => i));
  });

  it('fails its first warm-up with the check request\'s error, without any load', async () => {
    const { side, requests } = loggingSide(() => true);
    await expect(localRunner(side).warmUp(4, 5)).rejects.toThrow('HTTP 503');
    expect(requests).toHaveLength(1);
  });

  it('measures a round from its own start: CPU and upstream calls per query sent in it, not in the warm-up', async () => {
    const { side } = loggingSide();
    const runner = localRunner(side);
    await runner.warmUp(2, 5);
    const round = await runner.round(2, 5);
    expect(round.cpuMsPerRequest).toBe(2);
    expect(round.upstreamPerQuery).toBe(3);
    expect(await runner.peakRssMb()).toBe(42);
  });
});
