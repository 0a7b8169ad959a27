import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { RastroError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { dashboardPlugin } from '../dashboard/plugin.ts';
import { healthRoutes } from '../health/routes.ts';
import { ingestPublicRoutes } from '../ingest/public-routes.ts';
import { ledgerRoutes } from '../ledger/routes.ts';
import { rejectionRoutes } from '../rejections/routes.ts';
import { tenantRoutes } from '../tenants/routes.ts';
import { registerAuth } from './auth.ts';
import { registerBodyParsers } from './body-parsers.ts';
import type { AppContext } from './context.ts';
import { registerErrorHandling } from './error-handler.ts';
import { registerCompression } from './compression.ts';
import { registerObservability } from './observability.ts';
import { registerValidators } from './validators.ts';
import { ErrorBody } from './types.ts';
import { apiRouteModules } from './api-routes.ts';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['loggerInstance'];
  /** False for the `worker` role: only health, readiness and metrics are served. */
  apiRoutes?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP app without listening, so tests use `app.inject()` and `serve` calls `listen()`. */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One log line per request comes from observability.ts, with the fields we want (request_id
    // among them), so requests log through the app's logger: a pino child per request (bindings
    // serialized, redaction compiled) was ~4 % of a track request's CPU.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    bodyLimit: 5 * 1024 * 1024,
    trustProxy: ctx.config.trustedProxies.length > 0 ? ctx.config.trustedProxies : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    // URLs the router refuses before any route runs (a malformed %-escape, a path segment over
    // 100 characters) get the same error body as everything else.
    frameworkErrors: (error, _request, reply) => {
      const err =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new RastroError('validation_failed', 'a path segment is longer than 100 characters')
          : new RastroError('validation_failed', `malformed URL: ${error.message}`);
      void (reply as FastifyReply).status(err.statusCode).send(err.toBody());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ErrorBody);
  registerValidators(app);
  registerBodyParsers(app);
  registerErrorHandling(app, ctx);
  registerObservability(app, ctx.metrics, ctx.config.requestLog);
  const keyCache = registerAuth(app, ctx);
  await registerCompression(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rastro API',
        version: '0.1.0',
        description: 'Server-side conversion tracking hub. Authenticate with `Authorization: Bearer <key>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // Routes that take no credentials say so in the OpenAPI document (the default above asks for a key).
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth ?? 'public';
    if (auth !== 'public' && auth !== 'metrics') return;
    if (auth === 'metrics' && ctx.config.metricsToken) return;
    route.schema = { ...route.schema, security: [] };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(ctx));
  if (options.apiRoutes === false) return app;
  await app.register(ingestPublicRoutes(ctx));
  await app.register(
    async (api) => {
      await api.register(tenantRoutes(ctx, keyCache));
      await api.register(ledgerRoutes(ctx));
      await api.register(rejectionRoutes(ctx));
      for (const module of apiRouteModules) await api.register(module(ctx));
    },
    { prefix: '/api/v1' },
  );
  // The dashboard's single-page fallback answers unknown browser paths: keep it last.
  await app.register(dashboardPlugin());
  return app;
}
