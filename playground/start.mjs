#!/usr/bin/env node
// The CORS playground: `node playground/start.mjs [--framework express|koa|fastify|hono]` (or `pnpm demo`).
import { FRAMEWORKS } from './api.mjs';
import { DEFAULT_API_PORT, DEFAULT_PAGE_PORT, startPlayground } from './server.mjs';

const USAGE = `Usage: node playground/start.mjs [--framework express|koa|fastify|hono] [--page-port N] [--api-port N]
       pnpm demo -- --framework koa

  --framework, -f   the framework the API runs on (default: express)
  --page-port       port of the pages (default ${DEFAULT_PAGE_PORT}, env PLAYGROUND_PAGE_PORT)
  --api-port        port of the API (default ${DEFAULT_API_PORT}, env PLAYGROUND_API_PORT)
  Port 0 picks a free port.`;

function fail(message) {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parsePort(value, name) {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`${name} must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

/** Tolerant of `--` separators (`pnpm demo -- --framework koa`), `--flag value` and `--flag=value`. */
function parseArgs(argv) {
  const options = {};
  const args = argv.filter((arg) => arg !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[++i];
      if (next === undefined || next.startsWith('-')) fail(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--framework':
      case '-f':
        options.framework = value().toLowerCase();
        break;
      case '--page-port':
        options.pagePort = value();
        break;
      case '--api-port':
        options.apiPort = value();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        if (FRAMEWORKS.includes(arg)) options.framework = arg;
        else fail(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}

const args = parseArgs(process.argv.slice(2));
const framework = args.framework ?? process.env.PLAYGROUND_FRAMEWORK ?? 'express';
if (!FRAMEWORKS.includes(framework)) fail(`unknown framework ${JSON.stringify(framework)}; choose one of ${FRAMEWORKS.join(', ')}`);
const pagePort = parsePort(args.pagePort ?? process.env.PLAYGROUND_PAGE_PORT, 'the page port');
const apiPort = parsePort(args.apiPort ?? process.env.PLAYGROUND_API_PORT, 'the API port');

let playground;
try {
  playground = await startPlayground({ framework, pagePort, apiPort });
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && /@cors\//.test(String(error.message))) {
    console.error(`The @cors packages are not built yet: run \`pnpm build\` first (or \`pnpm demo\`, which does).\n${error.message}`);
  } else if (error?.code === 'EADDRINUSE') {
    console.error(`${error.message}\n(PLAYGROUND_PAGE_PORT / PLAYGROUND_API_PORT or --page-port / --api-port change the ports.)`);
  } else {
    console.error('The playground could not start:', error);
  }
  process.exit(1);
}

console.log(`
CORS playground: ${playground.framework} ${playground.frameworkVersion} with @cors/${playground.framework}

  Open the demo:   ${playground.appUrl}
  A page the policy does not allow (another site):  ${playground.evilUrl}
  The API:         ${playground.apiUrl}  (/strict, /pattern, /null: one policy each)

  *.localhost names are your own machine in Chrome, Edge and Firefox: no /etc/hosts entry needed.
  Stop with Ctrl+C.
`);

let stopping = false;
async function stop(signal) {
  if (stopping) process.exit(1);
  stopping = true;
  await playground.close();
  console.log(`Stopped (${signal}).`);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
