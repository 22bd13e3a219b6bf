/**
 * Run-time controls of the embedded demo services, served by the graph server only when
 * it runs on them: `GET /demo/settings` shows each service's latency and fault,
 * `PUT /demo/settings` with `{"professional": {"fault": "error", "errorStatus": 503}}`
 * changes them, so that a person can watch partial results in GraphiQL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { refuse } from '../errors/http-refusal.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { demoSettingsSchema, isJsonRequest } from './demo-server.js';
import type { DemoServices } from './services.js';

/** Settings are a few fields: anything larger is not settings. */
const MAX_BODY_BYTES = 64 * 1024;

const patchSchema = z.partialRecord(z.enum(SERVICE_NAMES), demoSettingsSchema.partial());

export function demoRoutes(demo: DemoServices): (req: IncomingMessage, res: ServerResponse) => boolean {
  const current = () => Object.fromEntries(SERVICE_NAMES.map((name) => [name, demo.servers[name].settings]));
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/demo/settings') return false;
    if (req.method === 'GET') {
      json(res, 200, current());
      return true;
    }
    if (req.method !== 'PUT' && req.method !== 'POST') {
      refuse(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET or PUT.', { allow: 'GET, PUT' });
      return true;
    }
    if (!isJsonRequest(req)) {
      refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the settings as application/json.');
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return refuse(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `At most ${MAX_BODY_BYTES} bytes of settings.`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(res, 400, 'BAD_REQUEST', 'The body must be JSON.');
      }
      const patch = patchSchema.safeParse(body);
      if (!patch.success) return refuse(res, 400, 'BAD_REQUEST', z.prettifyError(patch.error));
      for (const [name, settings] of Object.entries(patch.data)) demo.servers[name as ServiceName].configure(settings);
      json(res, 200, current());
    });
    return true;
  };
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
