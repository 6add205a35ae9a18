/**
 * The line protocol between the benchmark and a side measured in a process of its own
 * (bench/remote-side.ts, served by bench/direct-worker.ts): the serving end over in-memory
 * streams, both ends wired together, and the driving end over real processes that crash or exit.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { measureSides, type SideRunner } from '../../../bench/measure';
import { remoteRunner, serveRunner, type ServingProcess } from '../../../bench/remote-side';
import { figures } from './figures';

/** A runner that answers every round with `rps` = the round's clients, and fails a warm-up of 0 clients. */
const fakeRunner = (): SideRunner => ({
  async warmUp(clients) {
    if (clients === 0) throw new Error('no clients to warm up with');
  },
  round: async (clients) => figures({ rps: clients }),
  peakRssMb: async () => 42,
});

/** Serves `runner` on in-memory streams; `send` writes one line and resolves to the answer line. */
function served(runner: SideRunner) {
  const input = new PassThrough();
  const output = new PassThrough();
  const done = serveRunner(runner, input, output);
  const answers = createInterface({ input: output })[Symbol.asyncIterator]();
  const send = async (line: string) => {
    input.write(`${line}\n`);
    return JSON.parse((await answers.next()).value as string) as unknown;
  };
  return { send, end: () => input.end(), done };
}

/** A process stand-in serving `runner` over in-memory stdin and stdout, which closes once its stdin ends. */
function childServing(runner: SideRunner): ServingProcess {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const child = Object.assign(new EventEmitter(), { stdin, stdout, kill: () => true });
  void serveRunner(runner, stdin, stdout).then(() => {
    stdout.end();
    child.emit('close', 0, null);
  });
  return child as unknown as ServingProcess;
}

/** A real node process running `script`, its stdin and stdout piped. */
const nodeProcess = (script: string) => spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });

describe('serveRunner', () => {
  it('answers each command with one line: its result, in the order the commands came', async () => {
    const { send, end, done } = served(fakeRunner());
    expect(await send('{"op":"warmUp","clients":50,"durationMs":2000}')).toEqual({ result: null });
    expect(await send('{"op":"round","clients":50,"durationMs":8000}')).toEqual({ result: figures({ rps: 50 }) });
    expect(await send('{"op":"peakRss"}')).toEqual({ result: 42 });
    end();
    await done;
  });

  it('answers a failing command with its error and goes on serving', async () => {
    const { send, end, done } = served(fakeRunner());
    expect(await send('{"op":"warmUp","clients":0,"durationMs":2000}')).toEqual({ error: 'no clients to warm up with' });
    expect(await send('{"op":"round","clients":1,"durationMs":4000}')).toEqual({ result: figures({ rps: 1 }) });
    end();
    await done;
  });

  it('answers a line that is not a command with an error naming it', async () => {
    const { send, end, done } = served(fakeRunner());
    expect(await send('{"op":"stop"}')).toEqual({ error: 'no command {"op":"stop"}' });
    expect(await send('round')).toEqual({ error: expect.stringContaining('JSON') });
    end();
    await done;
  });
});

describe('remoteRunner', () => {
  it('is measured in turns like a side in this process, its figures coming back over the protocol', async () => {
    const remote = remoteRunner(childServing(fakeRunner()), 'the direct client');
    const sides = await measureSides({ local: fakeRunner(), remote }, { concurrency: 50, durationMs: 1, warmupMs: 1, repeat: 2, singleDurationMs: 1, turnWarmupMs: 0 });
    expect(sides.remote.runs.loaded).toEqual([figures({ rps: 50 }), figures({ rps: 50 })]);
    expect(sides.remote.single).toEqual(figures({ rps: 1 }));
    expect(sides.remote.peakRssMb).toBe(42);
    await remote.close();
  });

  it('throws the error the process answered with, naming the side', async () => {
    const remote = remoteRunner(childServing(fakeRunner()), 'the direct client');
    await expect(remote.warmUp(0, 1)).rejects.toThrow('the direct client: no clients to warm up with');
    expect(await remote.peakRssMb()).toBe(42);
    await remote.close();
  });

  it('refuses a second command while one is outstanding', async () => {
    const remote = remoteRunner(childServing(fakeRunner()), 'the direct client');
    const first = remote.round(50, 1);
    await expect(remote.peakRssMb()).rejects.toThrow('the direct client: peakRss sent while a command is outstanding');
    expect(await first).toEqual(figures({ rps: 50 }));
    await remote.close();
  });

  it('rejects the outstanding command with the exit code of a process that crashes, and every later one', async () => {
    const child = nodeProcess("process.stdin.once('data', () => process.exit(3))");
    const remote = remoteRunner(child, 'the direct client');
    await expect(remote.round(50, 1)).rejects.toThrow('the direct client exited with code 3');
    await expect(remote.peakRssMb()).rejects.toThrow('the direct client exited with code 3');
    await remote.close();
  });

  it('ends the process by ending its stdin, and waits until it has exited', async () => {
    const child = nodeProcess("process.stdin.resume(); process.stdin.on('end', () => setTimeout(() => process.exit(0), 50))");
    await remoteRunner(child, 'the direct client').close();
    expect(child.exitCode).toBe(0);
  });
});
