import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from '../config/env.ts';
import { missingServerFlags } from './node-flags.ts';

/**
 * Several HTTP processes on one port (RASTRO_API_PROCESSES, node:cluster). A Node process runs its
 * JavaScript on one thread: a single-event track request costs that thread ~80–120 µs here, so
 * one process tops out near 10,000 requests/s while other cores idle. The primary only supervises
 * (it accepts connections and hands them round-robin to its members); each member is a whole
 * `rastro serve` with its own pool, caches and group committer.
 *
 * Member 0 keeps the configured role; the others serve the API only, so background work whose
 * state lives in memory (per-destination rate limits, schedules) runs in one process. Member 0
 * starts alone and the rest follow once it listens: migrations run once.
 */
const RANK_ENV = 'RASTRO_CLUSTER_RANK';
const SHUTDOWN = 'rastro:shutdown';
const METRICS_REQUEST = 'rastro:metrics-request';
const METRICS_RESPONSE = 'rastro:metrics-response';
const STOP_TIMEOUT_MS = 35_000;
const RESTART_MS = 1000;
const MAX_RESTART_MS = 30_000;

/** This process's rank in a cluster, or undefined when it serves alone. */
export function clusterRank(): number | undefined {
  return cluster.isWorker && process.env[RANK_ENV] !== undefined ? Number(process.env[RANK_ENV]) : undefined;
}

/** Whether this process should become a cluster's primary rather than serve itself. */
export const runsAsPrimary = (config: Config): boolean => config.apiProcesses > 1 && cluster.isPrimary;

/** The role of a member: the first keeps the configured one, the others serve the API only. */
export const memberRole = (role: Config['role'], rank: number): Config['role'] => (rank === 0 ? role : 'api');

interface PrimaryLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Supervises `processes` members running this same command: starts member 0, then the others once
 * it listens; once all have listened, replaces any member that dies; on SIGTERM or SIGINT asks each
 * to stop gracefully and resolves with the exit code once all have exited. A member that dies
 * during the cluster's start-up (bad configuration, unreachable database) stops the cluster:
 * restarting it would only repeat the failure.
 */
export function runPrimary(processes: number, log: PrimaryLog): Promise<number> {
  const aggregator = new AggregatorRegistry();
  const members = new Map<number, Worker>();
  /** Set once every member has listened: from then on a member that dies is replaced. */
  let serving = false;
  const delays = new Map<number, number>();
  let stopping = false;
  let exitCode = 0;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (members.size === 0) return finish(exitCode);
    for (const member of members.values()) member.send({ type: SHUTDOWN });
    setTimeout(() => {
      for (const member of members.values()) member.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS).unref();
  };

  const fork = (rank: number): Promise<void> => {
    const member = cluster.fork({ [RANK_ENV]: String(rank) });
    members.set(rank, member);
    let listened = false;
    member.on('message', (message: { type?: string; id?: number }) => {
      if (message?.type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => member.send({ type: METRICS_RESPONSE, id: message.id, text }),
        (error: Error) => member.send({ type: METRICS_RESPONSE, id: message.id, error: error.message }),
      );
    });
    return new Promise<void>((resolve) => {
      member.once('listening', () => {
        listened = true;
        resolve();
      });
      member.on('exit', (code, signal) => {
        if (members.get(rank) === member) members.delete(rank);
        resolve();
        if (stopping) {
          if (members.size === 0) finish(exitCode);
          return;
        }
        if (!serving) {
          log.error({ member: rank, code, signal }, 'api process failed to start; stopping');
          return stopAll(code || 1);
        }
        // Once the cluster has served, a member is always replaced; one that cannot start (the
        // database down, say) is retried less and less often, up to every 30 s.
        const delay = listened ? RESTART_MS : Math.min(2 * (delays.get(rank) ?? RESTART_MS), MAX_RESTART_MS);
        delays.set(rank, delay);
        log.error({ member: rank, code, signal, restart_in_ms: delay }, 'api process exited; starting another');
        // Not unref'd: with every member down, this timer is what keeps the primary alive.
        setTimeout(() => {
          if (!stopping) void fork(rank);
        }, delay);
      });
    });
  };

  process.once('SIGTERM', () => stopAll(0));
  process.once('SIGINT', () => stopAll(0));
  // Members serve: they run with the server's V8 flags even when the primary was started without.
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...missingServerFlags()] });
  void (async () => {
    await fork(0);
    for (let rank = 1; rank < processes && !stopping; rank++) await fork(rank);
    if (stopping) return;
    serving = true;
    log.info({ processes, pid: process.pid }, 'rastro cluster serving');
  })();
  return finished;
}

/**
 * In a member: makes the registry readable by the primary's aggregator and calls `stop` when the
 * primary asks. SIGINT is left to the primary (a terminal sends it to every process of the group;
 * the primary then stops each member once, in order).
 */
export function joinCluster(registry: Registry, stop: () => void): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one is what installs prom-client's answer to the primary's requests in a member.
  new AggregatorRegistry();
  process.on('SIGINT', () => undefined);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === SHUTDOWN) stop();
  });
}

let nextRequest = 0;
let answersHeard = false;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

/** In a member: every member's metrics, summed by the primary (prom-client's AggregatorRegistry). */
export function clusterMetrics(): Promise<string> {
  if (!answersHeard) {
    answersHeard = true;
    process.on('message', (message: { type?: string; id: number; text?: string; error?: string }) => {
      if (message?.type !== METRICS_RESPONSE) return;
      const request = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) request?.reject(new Error(message.error));
      else request?.resolve(message.text ?? '');
    });
  }
  const id = ++nextRequest;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the cluster primary did not answer with metrics within 5 s'));
    }, 5000);
    waiting.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    process.send!({ type: METRICS_REQUEST, id });
  });
}
