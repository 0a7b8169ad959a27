import type { FastifyBaseLogger } from 'fastify';
import { conversionTasks } from '../conversions/task.ts';
import { deliveryTask } from '../delivery/task.ts';
import type { AppContext } from '../http/context.ts';
import { qualityTask } from '../quality/task.ts';
import { retentionTask } from '../retention/task.ts';
import { sessionTouchTask } from '../sessions/task.ts';
import type { WorkerTask } from './runner.ts';

/**
 * Background tasks this process runs in roles `all` and `worker`, listed explicitly.
 * Each capability adds its task factory here.
 */
export const workerTaskFactories: ((ctx: AppContext, log: FastifyBaseLogger) => WorkerTask | WorkerTask[])[] = [
  deliveryTask,
  conversionTasks,
  sessionTouchTask,
  retentionTask,
  qualityTask,
];
