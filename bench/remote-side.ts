/**
 * A side measured in a process of its own (the direct client, bench/direct-worker.ts), driven
 * from the benchmark's process as any other side, so that its rounds can take turns with the
 * gateway's while its process stays up between them. The line protocol over the process's stdin
 * and stdout: each command a JSON line (`{"op":"warmUp","clients":50,"durationMs":2000}`,
 * `{"op":"round",…}`, `{"op":"peakRss"}`), each answered by exactly one JSON line,
 * `{"result":…}` or `{"error":"…"}`; the serving process ends when its stdin does.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Figures, SideRunner } from './measure.js';

export type RunnerCommand = { op: 'warmUp' | 'round'; clients: number; durationMs: number } | { op: 'peakRss' };

type Answer = { result: unknown } | { error: string };

async function answer(runner: SideRunner, line: string): Promise<Answer> {
  try {
    const command = JSON.parse(line) as RunnerCommand;
    switch (command.op) {
      case 'warmUp':
        await runner.warmUp(command.clients, command.durationMs);
        return { result: null };
      case 'round':
        return { result: await runner.round(command.clients, command.durationMs) };
      case 'peakRss':
        return { result: await runner.peakRssMb() };
      default:
        throw new Error(`no command ${line}`);
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The serving end: answers each command line of `input` on `output`, one at a time, in order,
 * until `input` ends. A command that fails is answered with its error, and the next is served.
 */
export async function serveRunner(runner: SideRunner, input: Readable, output: Writable): Promise<void> {
  for await (const line of createInterface({ input, crlfDelay: Infinity })) output.write(`${JSON.stringify(await answer(runner, line))}\n`);
}

/** What the driving end needs of the serving process. */
export type ServingProcess = Pick<ChildProcess, 'stdin' | 'stdout' | 'once' | 'kill'>;

export interface RemoteRunner extends SideRunner {
  /** Ends the process's stdin, so it exits, and waits for it (killing it after 5 s). */
  close(): Promise<void>;
}

/**
 * The driving end, over a process started with piped stdin and stdout: a `SideRunner` whose
 * every call is one command. One command is outstanding at a time (`measureSides` waits for
 * each): one sent while another is outstanding is refused. If the process ends first, the
 * outstanding command and every later one reject with how it ended. `name` names the side in
 * errors.
 */
export function remoteRunner(child: ServingProcess, name: string): RemoteRunner {
  let outstanding: { answered(line: string): void; failed(error: Error): void } | undefined;
  let ended: Error | undefined;
  // 'close', not 'exit': it comes after stdout has ended, so every answer written was read.
  const closed = new Promise<void>((resolve) =>
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      ended = new Error(`${name} exited with ${signal ?? `code ${code}`}`);
      outstanding?.failed(ended);
      outstanding = undefined;
      resolve();
    }),
  );
  // Writing to a process that has ended fails here; its 'close' rejects the command.
  child.stdin!.on('error', () => undefined);
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
    const command = outstanding;
    outstanding = undefined;
    command?.answered(line);
  });

  const ask = <T>(command: RunnerCommand) =>
    new Promise<T>((resolve, reject) => {
      if (ended) return reject(ended);
      if (outstanding) return reject(new Error(`${name}: ${command.op} sent while a command is outstanding`));
      outstanding = {
        answered(line) {
          let answer: Answer;
          try {
            answer = JSON.parse(line) as Answer;
          } catch {
            return reject(new Error(`${name} answered ${command.op} with ${line}, not JSON`));
          }
          if ('error' in answer) reject(new Error(`${name}: ${answer.error}`));
          else resolve(answer.result as T);
        },
        failed: reject,
      };
      child.stdin!.write(`${JSON.stringify(command)}\n`);
    });

  return {
    async warmUp(clients, durationMs) {
      await ask<null>({ op: 'warmUp', clients, durationMs });
    },
    round: (clients, durationMs) => ask<Figures>({ op: 'round', clients, durationMs }),
    peakRssMb: () => ask<number>({ op: 'peakRss' }),
    async close() {
      child.stdin!.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await closed;
      clearTimeout(kill);
    },
  };
}
