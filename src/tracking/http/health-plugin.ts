/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: the event log is
 * writable and the metadata store reachable), DESIGN B2. The checks are injected by the server, so this
 * plugin knows neither the log nor the database.
 */
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '../../errors/index.js';
import { sendError } from '../../errors/http-error-handler.js';

/** A readiness check: true (or a promise of true) when the dependency is usable. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HealthOptions {
  /** Named checks, e.g. `{ log: () => log.isWritable(), metadata: () => db.ping() }`. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const results: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(options.checks).map(async ([name, check]) => {
        try {
          results[name] = (await check()) === true;
        } catch (error) {
          request.log.warn({ err: error, check: name }, 'readiness check failed');
          results[name] = false;
        }
      }),
    );
    const failing = Object.keys(results).filter((name) => !results[name]);
    if (failing.length > 0) {
      return sendError(reply, new SluiceError('not_ready', `Not ready: ${failing.join(', ')} unavailable.`, { retryAfterSeconds: 1 }), { checks: results });
    }
    return reply.code(200).send({ status: 'ready', checks: results });
  });
}
