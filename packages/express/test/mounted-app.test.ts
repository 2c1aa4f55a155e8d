import { describe, expect, it } from 'vitest';
import express from 'express';
import { mountedApp } from '../src/mounted-app.js';

interface Layer {
  name: string;
  handle: unknown;
}
const layersOf = (app: unknown): Layer[] => (app as { router: { stack: Layer[] } }).router.stack;

describe('mountedApp', () => {
  it('finds the sub-app behind app.use(path, subApp): the inspector read engaged', () => {
    const app = express();
    const sub = express();
    app.use('/admin', sub);
    const layer = layersOf(app).find((l) => l.name === 'mounted_app');
    expect(layer).toBeDefined();
    expect(mountedApp(layer!.handle)).toBe(sub);
    // Read once, then remembered.
    expect(mountedApp(layer!.handle)).toBe(sub);
  });

  it('gives undefined for anything else, so the look-up stops there as before', () => {
    const app = express();
    const router = express.Router();
    app.use('/r', router);
    app.use((_req, _res, next) => next());
    for (const layer of layersOf(app)) expect(mountedApp(layer.handle)).toBeUndefined();
    // The right name over no `fn` (another framework, a future Express) is not mistaken for a sub-app.
    const noApp = 42;
    const lookalike = function mounted_app() {
      return noApp;
    };
    expect(mountedApp(lookalike)).toBeUndefined();
    expect(mountedApp(undefined)).toBeUndefined();
  });
});
