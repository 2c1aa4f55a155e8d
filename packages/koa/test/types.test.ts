// Checked by the root `tsc -p tsconfig.json` against @types/koa: the middleware must be accepted where Koa
// users put it, without casts.
import { describe, it, expect, expectTypeOf } from 'vitest';
import Koa from 'koa';
import { cors, type CorsMiddleware, type CorsOptions, type KoaContext, type RefusalReason } from '../src/index.js';
import { APP, rawRequest, serve } from './support.js';

interface State {
  tenant?: string;
}
interface Custom {
  requestId: string;
}

describe('types', () => {
  it('app.use accepts cors() on default and customised apps', () => {
    const app = new Koa();
    app.use(cors({ origin: APP }));
    const typed = new Koa<State, Custom>();
    typed.use(cors({ origin: [APP, /^https:\/\/pr-\d+\.example\.com$/] }));
    typed.use(async (ctx, next) => {
      expectTypeOf(ctx.state.tenant).toEqualTypeOf<string | undefined>();
      await next();
    });
    expectTypeOf(cors({ origin: APP })).toEqualTypeOf<CorsMiddleware<KoaContext>>();
    expectTypeOf(cors({ origin: APP })).returns.toEqualTypeOf<Promise<void>>();
    expect(app.middleware).toHaveLength(1);
    expect(typed.middleware).toHaveLength(2);
  });

  it('validators and onRefused get the Koa context when it is named', async () => {
    const options: CorsOptions<Koa.ParameterizedContext<State>> = {
      origin: (origin, ctx) => ctx.state.tenant === 'acme' && origin.endsWith('.acme.example'),
      onRefused: (reason: RefusalReason, ctx) => {
        expectTypeOf(ctx.state).toEqualTypeOf<State>();
        ctx.set('X-Refused', reason.code);
      },
    };
    const served = await serve((app) => {
      app.use<State>((ctx, next) => {
        ctx.state.tenant = 'acme';
        return next();
      });
      app.use<State>(cors(options));
      app.use((ctx) => {
        ctx.body = 'ok';
      });
    });
    const allowed = await rawRequest(served.url, 'GET', '/', [['Origin', 'https://app.acme.example']]);
    expect(allowed.header('access-control-allow-origin')).toBe('https://app.acme.example');
    const refused = await rawRequest(served.url, 'GET', '/', [['Origin', 'https://app.other.example']]);
    expect(refused.header('x-refused')).toBe('origin-not-allowed');
  });

  it('cors<Koa.Context>() types validators with the full context and still fits app.use', () => {
    const app = new Koa();
    const policy = cors<Koa.Context>({
      origin: async (origin, ctx) => ctx.hostname === 'api.example.com' && origin === APP,
      onRefused: (reason, ctx) => ctx.state.log?.warn(`CORS refused ${ctx.method} ${ctx.path}: ${reason.message}`),
    });
    app.use(policy);
    expect(app.middleware).toHaveLength(1);
  });

  it('rejects wrongly typed options at compile time', () => {
    // @ts-expect-error credentials is a boolean
    expect(() => cors({ origin: APP, credentials: 'yes' })).toThrow();
    // @ts-expect-error origin is required
    expect(() => cors({ credentials: true })).toThrow();
  });
});
