import { describe, expect, it } from 'vitest';
import { GroupCommitClosedError, GroupCommitter, type Outcome } from './group-commit.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake store: records each commit's items; items named `bad*` fail the whole transaction. */
function fakeStore(opts: { delayMs?: number; refuse?: (item: string) => boolean } = {}) {
  const commits: string[][] = [];
  const committed: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const commit = async (items: string[]): Promise<Outcome<string>[]> => {
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    try {
      commits.push([...items]);
      await sleep(opts.delayMs ?? 1);
      if (items.some((i) => i.startsWith('bad'))) throw new Error(`transaction failed on ${items.join(',')}`);
      const outcomes = items.map((i): Outcome<string> =>
        opts.refuse?.(i) ? { ok: false, error: new Error(`refused ${i}`) } : { ok: true, value: `ok:${i}` },
      );
      items.forEach((i, n) => outcomes[n]!.ok && committed.push(i));
      return outcomes;
    } finally {
      concurrent -= 1;
    }
  };
  return { commit, commits, committed, maxConcurrent: () => maxConcurrent };
}

describe('GroupCommitter', () => {
  it('with a zero window, groups what one event-loop turn submitted and what arrives during a commit', async () => {
    const store = fakeStore({ delayMs: 20 });
    const gc = new GroupCommitter({ windowMs: 0, maxWeight: 1000, maxConcurrent: 1, commit: store.commit });
    const first = Promise.all(['a', 'b'].map((i) => gc.submit(i)));
    await sleep(5); // the first group is committing now
    const second = Promise.all(['c', 'd', 'e'].map((i) => gc.submit(i)));
    expect(await first).toEqual(['ok:a', 'ok:b']);
    expect(await second).toEqual(['ok:c', 'ok:d', 'ok:e']);
    expect(store.commits).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('commits concurrent submissions together, one transaction per window', async () => {
    const store = fakeStore();
    const gc = new GroupCommitter({ windowMs: 5, maxWeight: 1000, maxConcurrent: 1, commit: store.commit });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((i) => gc.submit(i)));
    expect(results).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:d']);
    expect(store.commits).toEqual([['a', 'b', 'c', 'd']]);
    expect(gc.stats).toMatchObject({ groups: 1, items: 4, fallbacks: 0 });
  });

  it('answers a submission only after its own group has committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const gc = new GroupCommitter<string, string>({
      windowMs: 0,
      maxWeight: 10,
      maxConcurrent: 1,
      commit: async (items) => {
        await gate;
        order.push('committed');
        return items.map((i) => ({ ok: true, value: i }));
      },
    });
    const p = gc.submit('x').then((v) => order.push(`answered ${v}`));
    await sleep(20);
    expect(order).toEqual([]);
    release();
    await p;
    expect(order).toEqual(['committed', 'answered x']);
  });

  it('flushes at once when a group reaches maxWeight, and splits by weight', async () => {
    const store = fakeStore();
    const gc = new GroupCommitter<string, string>({
      windowMs: 10_000,
      maxWeight: 10,
      maxConcurrent: 2,
      weight: (i) => Number(i.split(':')[1]),
      commit: store.commit,
    });
    const started = Date.now();
    await Promise.all(['a:4', 'b:4', 'c:4', 'd:6'].map((i) => gc.submit(i)));
    expect(Date.now() - started).toBeLessThan(1000); // never waited for the 10 s window
    expect(store.commits).toEqual([
      ['a:4', 'b:4'],
      ['c:4', 'd:6'],
    ]);
  });

  it('keeps at most maxConcurrent groups in flight; later submissions accumulate into the next group', async () => {
    const store = fakeStore({ delayMs: 20 });
    const gc = new GroupCommitter({ windowMs: 0, maxWeight: 1000, maxConcurrent: 1, commit: store.commit });
    const first = gc.submit('first');
    await sleep(5); // first group is committing
    const rest = ['r1', 'r2', 'r3', 'r4', 'r5'].map((i) => gc.submit(i));
    await Promise.all([first, ...rest]);
    expect(store.commits).toEqual([['first'], ['r1', 'r2', 'r3', 'r4', 'r5']]);
    expect(store.maxConcurrent()).toBe(1);
  });

  it('refuses one item without affecting the others of its group', async () => {
    const store = fakeStore({ refuse: (i) => i === 'refused' });
    const gc = new GroupCommitter({ windowMs: 2, maxWeight: 100, maxConcurrent: 1, commit: store.commit });
    const outcomes = await Promise.allSettled(['a', 'refused', 'b'].map((i) => gc.submit(i)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.commits).toHaveLength(1);
  });

  it('falls back to one transaction per item when the group transaction fails', async () => {
    const store = fakeStore();
    const fallbacks: number[] = [];
    const gc = new GroupCommitter({
      windowMs: 5,
      maxWeight: 100,
      maxConcurrent: 1,
      commit: store.commit,
      onFallback: (_e, size) => fallbacks.push(size),
    });
    const outcomes = await Promise.allSettled(['a', 'bad-1', 'b', 'c'].map((i) => gc.submit(i)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([
      'ok:a',
      'rejected',
      'ok:b',
      'ok:c',
    ]);
    const reason = (outcomes[1] as PromiseRejectedResult).reason as Error;
    expect(reason.message).toBe('transaction failed on bad-1'); // its own error, not the group's
    expect(store.commits[0]).toEqual(['a', 'bad-1', 'b', 'c']);
    expect(store.commits.slice(1).sort()).toEqual([['a'], ['b'], ['bad-1'], ['c']]);
    expect(store.committed.sort()).toEqual(['a', 'b', 'c']); // each committed exactly once
    expect(fallbacks).toEqual([4]);
  });

  it('rejects a lone item whose transaction fails with that error', async () => {
    const store = fakeStore();
    const gc = new GroupCommitter({ windowMs: 0, maxWeight: 100, maxConcurrent: 1, commit: store.commit });
    await expect(gc.submit('bad')).rejects.toThrow('transaction failed on bad');
    expect(store.commits).toEqual([['bad']]);
  });

  it('drains pending work on close and refuses new submissions', async () => {
    const store = fakeStore({ delayMs: 5 });
    const gc = new GroupCommitter({ windowMs: 10_000, maxWeight: 100, maxConcurrent: 1, commit: store.commit });
    const pending = [gc.submit('a'), gc.submit('b')];
    await gc.close();
    expect(await Promise.all(pending)).toEqual(['ok:a', 'ok:b']);
    await expect(gc.submit('late')).rejects.toBeInstanceOf(GroupCommitClosedError);
    expect(gc.load).toEqual({ pending: 0, inFlight: 0 });
  });

  it('under sustained load groups grow while a transaction is in flight', async () => {
    const store = fakeStore({ delayMs: 10 });
    const gc = new GroupCommitter({ windowMs: 1, maxWeight: 1000, maxConcurrent: 2, commit: store.commit });
    const all: Promise<string>[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 20; i++) all.push(gc.submit(`r${round}-${i}`));
      await sleep(2);
    }
    await Promise.all(all);
    expect(store.committed).toHaveLength(200);
    expect(store.commits.length).toBeLessThan(40);
    expect(store.maxConcurrent()).toBeLessThanOrEqual(2);
  });
});
