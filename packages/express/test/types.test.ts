// Type-checked by the root `tsc -p tsconfig.json`: the middleware must fit @types/express 5 everywhere a
// handler goes, without the package itself depending on @types/express.
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { cors, type CorsMiddleware, type CorsOptions, type OriginValidator } from '../src/index.js';

const APP = 'https://app.example.com';

const app = express();
const router = Router();
const shared = cors({ origin: APP, methods: ['GET', 'PUT'] });
const handler: RequestHandler<{ id: string }> = (req, res) => {
  res.send(`put ${req.params.id}`);
};

app.use(cors({ origin: APP }));
app.use('/api', cors({ origin: APP }));
router.use(cors({ origin: APP }));
router.get('/items', shared, (_req: Request, res: Response) => {
  res.send('items');
});
app.use('/api', router);
app.put('/items/:id', shared, handler);
app.options('/items/:id', shared);
app.all('/all', shared);
app.route('/route').all(shared).put((_req, res) => {
  res.send('route');
});
app.get('/list', [shared, (_req: Request, res: Response) => void res.send('list')]);

// Validators and onRefused receive the request: node's by default, Express's when asked for.
const nodeTyped: CorsMiddleware = cors({
  origin: (origin: string, req: IncomingMessage) => origin.endsWith('.example.com') && req.method !== 'TRACE',
  onRefused: (reason, req) => void `${reason.code} ${req.url}`,
});
const expressValidator: OriginValidator<Request> = (_origin, req) => req.path.startsWith('/tenant/');
const expressTyped = cors<Request>({ origin: [APP, expressValidator], onRefused: (_reason, req) => void req.path });
app.use(nodeTyped, expressTyped);
// Inside app.use the request type is inferred from Express's handler type.
app.use(cors({ origin: (_origin, req) => req.path.startsWith('/public/') }));
const tenants = { allows: async (host: string, origin: string) => origin.endsWith(host) };
app.use(
  cors({
    origin: async (origin, req) => tenants.allows(req.hostname, origin),
    onRefused: (reason, req) => console.warn(`CORS refused ${req.method} ${req.path}: ${reason.message}`),
  }),
);
const options: CorsOptions<Request> = { origin: APP, credentials: true };
app.use(cors(options));

// @ts-expect-error -- origin must be a string, RegExp, validator or a list of them
const wrongType = () => cors({ origin: 42 });

describe('typings', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('a per-route policy typed as above governs its preflight and its requests', async () => {
    const perRoute = express();
    perRoute.options('/items/:id', shared);
    perRoute.put('/items/:id', shared, handler);
    const server = perRoute.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const call = (method: string, headers: Record<string, string>) =>
      new Promise<[number, string | undefined, string | undefined]>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/items/7', agent: false, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve([res.statusCode!, res.headers['access-control-allow-origin'] as string | undefined, Buffer.concat(chunks).toString()]),
          );
        });
        req.on('error', reject);
        req.end();
      });
    expect(await call('OPTIONS', { origin: APP, 'access-control-request-method': 'PUT' })).toEqual([204, APP, '']);
    expect(await call('OPTIONS', { origin: APP, 'access-control-request-method': 'DELETE' })).toEqual([403, undefined, '']);
    expect(await call('PUT', { origin: APP })).toEqual([200, APP, 'put 7']);
    expect(wrongType).toThrow(/origin/);
  });
});
