/**
 * The subscriptions run of `npm run bench` (issue 13): 1,000 open subscriptions on one
 * replica — each its own WebSocket, as 1,000 apps would hold — all watching one card. What
 * they cost in RSS, and how long after a change the last of them hears it: the card is frozen
 * and unfrozen through the gateway, round after round, and each round's time from sending the
 * mutation to the last subscriber's event is measured (p50, p99 over the rounds), beside the
 * mutation's own answer time (the upstream change happens inside it). Figures for reading;
 * nothing here asserts.
 *
 * BENCH_SUBSCRIPTIONS (default 1000) and BENCH_SUBSCRIPTION_ROUNDS (default 30) narrow it.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { Pool } from 'undici';
import type { BenchRun, Harness } from './harness.js';
import { percentile } from './load.js';
import { graphqlClient } from './abuse.js';

const gid = (ref: string) => Buffer.from(`utgl:Card:${ref}`).toString('base64url');

/** Resident set size now (VmRSS), MB. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** One app's socket with one cardUpdated subscription; `onEvent` gets each event's arrival time. */
async function openSubscriber(url: string, token: string, cardId: string, onEvent: (status: string, at: number) => void): Promise<WebSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let first!: () => void;
  const subscribed = new Promise<void>((resolve) => (first = resolve));
  socket.on('message', (data) => {
    const at = performance.now();
    const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { cardUpdated?: { status: string } }; errors?: unknown } };
    if (message.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription($id: ID!) { cardUpdated(id: $id) { id status } }', variables: { id: cardId } } }));
    } else if (message.type === 'next') {
      const status = message.payload?.data?.cardUpdated?.status;
      if (!status) throw new Error(`subscription failed: ${JSON.stringify(message.payload)}`);
      first();
      onEvent(status, at);
    }
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await subscribed;
  return socket;
}

export const subscriptionsRun: BenchRun = {
  name: 'subscriptions',
  description: '1,000 cardUpdated subscriptions (one socket each) on one replica: their RSS, and the time from a change to the last subscriber’s event',
  async run(harness: Harness) {
    const count = Number(process.env.BENCH_SUBSCRIPTIONS ?? 1_000);
    const rounds = Number(process.env.BENCH_SUBSCRIPTION_ROUNDS ?? 30);
    const tokens = await harness.viewerTokens();
    const gateway = await harness.startGateway({
      WS_MAX_CONNECTIONS_PER_VIEWER: String(Math.ceil(count / tokens.length) + 1),
      WS_MAX_SUBSCRIPTIONS_PER_VIEWER: String(Math.max(50, Math.ceil(count / tokens.length) + 1)),
      WS_IDLE_TIMEOUT_MS: '600000',
      // Every socket comes from this one address: past the per-address cap they would be refused.
      HTTP_MAX_CONNECTIONS_PER_CLIENT: String(count + 100),
    });
    const pool = new Pool(gateway.url, { connections: 4 });
    const sockets: WebSocket[] = [];
    try {
      const ask = graphqlClient(pool, await harness.sign('bench-writer', 'cards:read cards:write'));
      // An active card: freezing it, then unfreezing, is one change each.
      let cardId: string | undefined;
      for (const ref of harness.ctx.utglCardIds) {
        const res = await pool.request({
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
          body: JSON.stringify({ query: 'query($id: ID!) { card(id: $id) { status } }', variables: { id: gid(ref) } }),
        });
        const body = (await res.body.json()) as { data?: { card?: { status: string } } };
        if (body.data?.card?.status === 'ACTIVE') {
          cardId = gid(ref);
          break;
        }
      }
      if (!cardId) throw new Error('no active utgl card to freeze');
      const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/graphql`;
      const rssBefore = rssMb(gateway.pid);
      const arrivals: number[][] = [];
      let round = -1;
      const opened = Date.now();
      // In batches of 50: a thousand handshakes at once would measure the accept queue.
      for (let i = 0; i < count; i += 50) {
        const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          openSubscriber(wsUrl, tokens[(i + j) % tokens.length]!, cardId!, (_status, at) => {
            if (round >= 0) arrivals[round]!.push(at);
          }),
        );
        sockets.push(...(await Promise.all(batch)));
      }
      const openMs = Date.now() - opened;
      await new Promise((r) => setTimeout(r, 1_000));
      const rssAfter = rssMb(gateway.pid);
      const lastEventMs: number[] = [];
      const allEventMs: number[] = [];
      const mutationMs: number[] = [];
      let incomplete = 0;
      for (round = 0; round < rounds; round += 1) {
        arrivals[round] = [];
        const mutation = round % 2 === 0 ? 'freezeCard' : 'unfreezeCard';
        const sent = performance.now();
        const answer = await ask({ query: `mutation($id: ID!) { ${mutation}(cardId: $id) { status } }`, variables: { id: cardId } });
        mutationMs.push(performance.now() - sent);
        if (answer.code) throw new Error(`${mutation} failed: ${answer.code}`);
        const deadline = Date.now() + 10_000;
        while (arrivals[round]!.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        if (arrivals[round]!.length < count) incomplete += 1;
        const times = arrivals[round]!.map((at) => at - sent);
        allEventMs.push(...times);
        lastEventMs.push(Math.max(...times));
      }
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      const figures = {
        subscriptions: count,
        rounds,
        openSeconds: openMs / 1000,
        rssBeforeMb: rssBefore,
        rssAfterMb: rssAfter,
        rssPerSubscriptionKb: ((rssAfter - rssBefore) * 1024) / count,
        lastSubscriberP50Ms: percentile(sorted(lastEventMs), 50),
        lastSubscriberP99Ms: percentile(sorted(lastEventMs), 99),
        everyEventP50Ms: percentile(sorted(allEventMs), 50),
        everyEventP99Ms: percentile(sorted(allEventMs), 99),
        mutationP50Ms: percentile(sorted(mutationMs), 50),
        roundsWithMissingEvents: incomplete,
      };
      const f = (n: number) => n.toFixed(1);
      const markdown = [
        `${count} sockets, one cardUpdated subscription each, on one gateway (opened in ${f(figures.openSeconds)} s); ${rounds} rounds of freeze/unfreeze through the gateway.`,
        '',
        '| figure | value |',
        '|---|---|',
        `| RSS before → after opening them | ${f(rssBefore)} MB → ${f(rssAfter)} MB (${f(figures.rssPerSubscriptionKb)} kB per subscription) |`,
        `| mutation sent → last subscriber's event, p50 / p99 | ${f(figures.lastSubscriberP50Ms)} / ${f(figures.lastSubscriberP99Ms)} ms |`,
        `| mutation sent → any subscriber's event, p50 / p99 | ${f(figures.everyEventP50Ms)} / ${f(figures.everyEventP99Ms)} ms |`,
        `| the mutation's own answer, p50 (the upstream change happens inside it) | ${f(figures.mutationP50Ms)} ms |`,
        `| rounds where some subscriber had no event within 10 s | ${incomplete} |`,
      ].join('\n');
      return { markdown, json: figures };
    } finally {
      for (const socket of sockets) socket.terminate();
      await pool.close();
      await gateway.stop();
    }
  },
};
