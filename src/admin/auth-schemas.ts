/**
 * Small JSON-schema helpers shared by the identity routes (auth, MFA, tokens).
 */
import type { FastifySchema } from 'fastify';

/** A route schema that only documents (for the OpenAPI document): routes with no params and no body. */
export const summaryOnly = (summary: string): FastifySchema => ({ summary }) as FastifySchema;
