/**
 * The Meta emulator as a child process of bench/dispatch.ts, so its request parsing and validation
 * run on their own core instead of competing with the dispatcher's event loop. Speaks over IPC:
 * sends `{type: 'ready', url}` once listening, answers `{type: 'stats'}` with counters and peak RSS,
 * and exits on `{type: 'stop'}` or when the parent goes away.
 */
import { startMetaEmulator } from '../src/emulators/meta/server.ts';
import { BENCH_TOKEN } from './support.ts';

type Message = { type: 'stats' } | { type: 'stop' };

if (process.send) {
  const emulator = await startMetaEmulator({ storeEvents: false, tokens: { [BENCH_TOKEN]: ['*'] } });
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m: Message) => {
    if (m.type === 'stats') {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        stats: emulator.stats(),
        maxRssKiB: process.resourceUsage().maxRSS,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    }
    if (m.type === 'stop') void emulator.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
  send({ type: 'ready', url: emulator.url });
}
