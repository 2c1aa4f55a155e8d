// Review finding 2: origin '*' gave no Access-Control-Allow-Origin to a request without Origin (or with a
// malformed one) and '*' to a well-formed one, without Vary: a shared cache could store the header-less copy and
// serve it to every browser. A static policy now gives a static answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_STAR } from '../src/policies.js';
import { rawRequest } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

for (const target of FRAMEWORK_MAJORS) {
  describe(`review-2-star-policy-depends-on-origin on ${target.label}`, () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await START_REFERENCE_APP[target.framework](target.major, { cors: PUBLIC_STAR });
    });
    afterAll(() => server?.close());

    it('sends the same *, exposed headers and no Vary with, without and with a malformed Origin', async () => {
      const origins: Array<Array<[string, string]>> = [[['Origin', 'https://anyone.example']], [], [['Origin', 'https://a.example, https://b.example']], [['Origin', 'https://APP.example']]];
      for (const headers of origins) {
        const reply = await rawRequest(server.url, 'GET', '/resource', headers);
        expect({ headers, status: reply.status, acao: reply.header('access-control-allow-origin'), expose: reply.header('access-control-expose-headers'), vary: reply.header('vary') }).toEqual({
          headers,
          status: 200,
          acao: '*',
          expose: 'x-request-id',
          vary: undefined,
        });
      }
    });
  });
}
