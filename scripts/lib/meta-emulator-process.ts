/**
 * The Meta emulator as a child process of the crash, scale-out and load scripts (storeEvents on by default).
 * It outlives every Rastro process the scripts kill, so what it counts is what Meta would have got.
 * Options come in EMULATOR_OPTIONS (JSON); requests come over IPC as `{id, type, args}` and are
 * answered `{id, result}`: `summary` (per pixel: event_id -> times received, the busiest sliding
 * window, first/last receive time), `stats`, `faults`, `clearFaults`, `requests`; `stop` exits.
 */
import { startMetaEmulator, type FaultInput } from '../../src/emulators/meta/server.ts';

interface Message {
  id?: number;
  type: string;
  args?: unknown;
}

const options = JSON.parse(process.env.EMULATOR_OPTIONS ?? '{}') as {
  tokens?: Record<string, string[]>;
  latencyMs?: number;
  storeEvents?: boolean;
};

if (process.send) {
  const emulator = await startMetaEmulator({ storeEvents: options.storeEvents ?? true, tokens: options.tokens });
  if (options.latencyMs) emulator.injectFaults({ latencyMs: options.latencyMs });

  const summary = (windowMs: number) => {
    const counts: Record<string, Record<string, number>> = {};
    const times: Record<string, number[]> = {};
    const firstAt = new Map<string, number>();
    const repeats: { pixel: string; eventId: string; at: number[] }[] = [];
    for (const e of emulator.received({ isTest: false })) {
      const perPixel = (counts[e.pixelId] ??= {});
      const id = e.eventId ?? '';
      perPixel[id] = (perPixel[id] ?? 0) + 1;
      (times[e.pixelId] ??= []).push(e.receivedAt);
      const key = `${e.pixelId}:${id}`;
      const first = firstAt.get(key);
      if (first === undefined) firstAt.set(key, e.receivedAt);
      else repeats.push({ pixel: e.pixelId, eventId: id, at: [first, e.receivedAt] });
    }
    const peakPerWindow: Record<string, number> = {};
    const span: Record<string, [number, number]> = {};
    for (const [pixel, list] of Object.entries(times)) {
      list.sort((a, b) => a - b);
      let peak = 0;
      for (let lo = 0, hi = 0; hi < list.length; hi++) {
        while (list[hi]! - list[lo]! >= windowMs) lo++;
        peak = Math.max(peak, hi - lo + 1);
      }
      peakPerWindow[pixel] = peak;
      span[pixel] = [list[0]!, list.at(-1)!];
    }
    return { counts, peakPerWindow, span, repeats, stats: emulator.stats(), maxRssKiB: process.resourceUsage().maxRSS };
  };

  const handle = (m: Message): unknown => {
    switch (m.type) {
      case 'summary':
        return summary((m.args as { windowMs?: number }).windowMs ?? 1000);
      case 'stats':
        return emulator.stats();
      case 'faults':
        emulator.injectFaults(m.args as FaultInput);
        return null;
      case 'clearFaults':
        emulator.clearFaults();
        return null;
      case 'requests': {
        const since = (m.args as { sinceMs?: number }).sinceMs ?? 0;
        return emulator
          .requests()
          .filter((r) => r.at >= since)
          .map((r) => ({ at: r.at, pixelId: r.pixelId, status: r.status, events: r.eventCount ?? 0, fault: r.fault }));
      }
      default:
        throw new Error(`unknown request ${m.type}`);
    }
  };

  process.on('message', (m: Message) => {
    if (m.type === 'stop') {
      void emulator.close().then(() => process.exit(0));
      return;
    }
    try {
      process.send?.({ id: m.id, result: handle(m) ?? null });
    } catch (error) {
      process.send?.({ id: m.id, error: (error as Error).message });
    }
  });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
  process.send({ type: 'ready', url: emulator.url });
}
