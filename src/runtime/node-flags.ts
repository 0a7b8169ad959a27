/**
 * The V8 flags a Rastro server runs with. V8 reads them when it creates the heap, so they go on the
 * command line (`npm start`, the compose file and the cluster's members pass them; Node refuses them
 * in NODE_OPTIONS, and setting them from inside the process did not take effect when measured).
 *
 * `--no-memory-reducer`: the memory reducer shrinks the heap when allocation slows down, which is
 * what happens to a server when a burst of traffic ends. Measured in bench/ingest.ts (PGlite `/go` at
 * 1,000 clicks/s right after the saturated track runs): it ran three "reduce" collections of 40, 57
 * and 12 ms back to back, and left a heap so small that six ordinary major collections followed within
 * 3 s; redirect p99 9.70 and 10.18 ms in two full runs, 5.10 ms without it (no major collection in
 * its slowest slots). Without the reducer the heap still shrinks at each major collection (its limit follows
 * the live size); it is not handed back early when the server goes quiet. Peak RSS did not grow.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** The server flags missing from a process's `execArgv`. */
export const missingServerFlags = (execArgv: readonly string[] = process.execArgv): string[] =>
  SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
