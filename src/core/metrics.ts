import type { Metric, Registry } from 'prom-client';

/**
 * The registry's metric called `name`, created by `create` the first time: metrics are per registry,
 * and several components built on one context (tests, a second committer) share them.
 */
export function registered<T extends Metric>(registry: Registry, name: string, create: (name: string) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create(name);
}
