// The reference app behind @cors/fetch's withCors: in this process on Node (through @hono/node-server), and as a
// real server on Bun, Deno and workerd. Options and callbacks cross into the other runtimes as source code; what
// onRefused and onRequestSeen receive there is posted back before each response goes out.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { withCors } from '@cors/fetch';
import type { RefusalReason } from '@cors/core';
import { startCollector, startOnRuntime, toSource, type RemoteRuntime } from '../fetch-runtimes.js';
import type { ReferenceAppOptions, RunningServer, StartReferenceApp } from '../types.js';
import { referenceFetchHandler } from './fetch-reference-app.js';

const REFERENCE_APP = fileURLToPath(new URL('./fetch-reference-app.ts', import.meta.url));

/** Serves a Fetch handler on 127.0.0.1 through @hono/node-server, on a free port. */
export function serveOnNode(fetch: (request: Request) => Response | Promise<Response>): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}

/** The reference app of types.ts behind `withCors(options, handler)`, in this Node process. */
export const startFetchNode: StartReferenceApp = async (_major, options) =>
  serveOnNode(withCors(options.cors, referenceFetchHandler(options.onRequestSeen)));

/**
 * The source of a module that serves the reference app behind withCors, for another runtime. It posts what its
 * hooks receive to `collectorUrl` before each response leaves.
 */
export function referenceAppSource(options: ReferenceAppOptions, collectorUrl: string): string {
  const { onRefused, ...cors } = options.cors;
  return `import { withCors } from '@cors/fetch';
import { referenceFetchHandler } from ${JSON.stringify(REFERENCE_APP)};

const log = [];
const options = ${toSource(cors)};
${onRefused ? "options.onRefused = (reason) => { log.push({ kind: 'refused', reason }); };" : ''}
const handler = withCors(options, referenceFetchHandler(${options.onRequestSeen ? "(line) => { log.push({ kind: 'seen', line }); }" : 'undefined'}));

async function flush() {
  if (log.length === 0) return;
  const body = JSON.stringify(log.splice(0));
  await fetch(${JSON.stringify(collectorUrl)}, { method: 'POST', body });
}

export default {
  async fetch(request) {
    try {
      return await handler(request);
    } finally {
      await flush();
    }
  },
};
`;
}

/** The reference app behind withCors on another runtime, as a real server. */
export function startFetchOn(runtime: RemoteRuntime): StartReferenceApp {
  return async (_major, options) => {
    const collector = await startCollector((entry) => {
      const e = entry as { kind: string; reason?: RefusalReason; line?: string };
      if (e.kind === 'refused') options.cors.onRefused?.(e.reason!, undefined);
      else if (e.kind === 'seen') options.onRequestSeen?.(e.line!);
    });
    try {
      const server = await startOnRuntime(runtime, referenceAppSource(options, collector.url), 'mjs');
      return {
        url: server.url,
        port: server.port,
        close: async () => {
          await server.close();
          await collector.close();
        },
      };
    } catch (error) {
      await collector.close();
      throw error;
    }
  };
}

export const startFetchBun = startFetchOn('bun');
export const startFetchDeno = startFetchOn('deno');
export const startFetchWorkerd = startFetchOn('workerd');
