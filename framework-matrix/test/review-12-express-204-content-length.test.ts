// Review finding 12: Express ended a 204 preflight with Content-Length: 0, which RFC 9110 (section 8.6) forbids.
// Every adapter now ends preflights one way: no Content-Length on a 204, Content-Length: 0 on any other status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../src/raw-http.js';
import { START_REFERENCE_APP } from '../src/servers/index.js';
import { FRAMEWORK_MAJORS, type RunningServer } from '../src/types.js';

const APP = 'https://app.example.com';
const preflight = (method: string): Array<[string, string]> => [
  ['Origin', APP],
  ['Access-Control-Request-Method', method],
];

for (const target of FRAMEWORK_MAJORS) {
  describe(`review-12-express-204-content-length on ${target.label}`, () => {
    const servers: RunningServer[] = [];
    let at204: RunningServer;
    let at200: RunningServer;
    beforeAll(async () => {
      at204 = await START_REFERENCE_APP[target.framework](target.major, { cors: { origin: APP, methods: ['GET', 'PUT'] } });
      at200 = await START_REFERENCE_APP[target.framework](target.major, { cors: { origin: APP, methods: ['GET', 'PUT'], preflightStatus: 200 } });
      servers.push(at204, at200);
    });
    afterAll(() => Promise.all(servers.map((s) => s.close())));

    it('a 204 preflight carries no Content-Length', async () => {
      const reply = await rawRequest(at204.url, 'OPTIONS', '/resource', preflight('PUT'));
      expect([reply.status, reply.header('content-length'), reply.body]).toEqual([204, undefined, '']);
    });

    it('a 200 preflight and a 403 refusal carry Content-Length: 0 and an empty body', async () => {
      const allowed = await rawRequest(at200.url, 'OPTIONS', '/resource', preflight('PUT'));
      expect([allowed.status, allowed.header('content-length'), allowed.body]).toEqual([200, '0', '']);
      const refused = await rawRequest(at204.url, 'OPTIONS', '/resource', preflight('DELETE'));
      expect([refused.status, refused.header('content-length'), refused.body]).toEqual([403, '0', '']);
    });
  });
}
