/**
 * The Express app behind `app.use(path, subApp)`. Express mounts a sub-app as a closure named `mounted_app` over a
 * variable `fn` (Express 4 and 5 alike) and keeps no other link from the parent to the child, so the nearest-policy
 * look-up cannot see the sub-app's router from outside. This reads `fn` from the closure through V8's inspector
 * protocol, in process and synchronously, once per mounted app.
 *
 * Where that cannot be done (no inspector in this build, the permission model, a frozen global, a renamed
 * variable) the answer is undefined and the look-up stops at the sub-app, as it did before this module existed.
 */

interface InspectorSession {
  connect(): void;
  disconnect(): void;
  post(method: string, params: object, callback: (error: Error | null, result?: unknown) => void): void;
}
interface RemoteObject {
  readonly objectId?: string;
}
interface PropertyDescriptor {
  readonly name: string;
  readonly value?: RemoteObject;
}
interface Properties {
  readonly result: readonly PropertyDescriptor[];
  readonly internalProperties?: readonly PropertyDescriptor[];
}

const found = new WeakMap<object, object | null>();

/** The app a `mounted_app` layer handle runs, or undefined when it is not one or cannot be read. */
export function mountedApp(handle: unknown): object | undefined {
  if (typeof handle !== 'function' || handle.name !== 'mounted_app') return undefined;
  let app = found.get(handle);
  if (app === undefined) {
    app = readClosureVariable(handle, 'fn') ?? null;
    found.set(handle, app);
  }
  return app ?? undefined;
}

function readClosureVariable(target: object, name: string): object | undefined {
  const session = openSession();
  if (session === undefined) return undefined;
  const handOver = `__corsMountedApp${Math.random().toString(36).slice(2)}`;
  const global = globalThis as Record<string, unknown>;
  let value: unknown;
  try {
    const post = <T>(method: string, params: object): T => {
      let answer: { error: Error | null; result?: unknown } | undefined;
      session.post(method, params, (error, result) => {
        answer = { error, result };
      });
      // The in-process session answers before post returns; anything else is a runtime this does not know.
      if (answer === undefined || answer.error !== null) throw new Error(`inspector ${method} did not answer`);
      return answer.result as T;
    };
    const remote = (local: unknown): string => {
      global[handOver] = local;
      try {
        const { result } = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis.${handOver}` });
        if (result.objectId === undefined) throw new Error('no object id');
        return result.objectId;
      } finally {
        delete global[handOver];
      }
    };
    const own = (objectId: string) => post<Properties>('Runtime.getProperties', { objectId, ownProperties: true });

    const scopes = own(remote(target)).internalProperties?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (scopes === undefined) return undefined;
    for (const scope of own(scopes).result) {
      if (scope.value?.objectId === undefined) continue;
      const variable = own(scope.value.objectId).result.find((p) => p.name === name);
      if (variable?.value?.objectId === undefined) continue;
      const receive = (v: unknown) => {
        value = v;
      };
      post('Runtime.callFunctionOn', {
        objectId: remote(receive),
        functionDeclaration: 'function (value) { this(value); }',
        arguments: [{ objectId: variable.value.objectId }],
      });
      break;
    }
  } catch {
    return undefined;
  } finally {
    session.disconnect();
  }
  return typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : undefined;
}

function openSession(): InspectorSession | undefined {
  try {
    const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const inspector = getBuiltin?.('node:inspector') as { Session?: new () => InspectorSession } | undefined;
    if (inspector?.Session === undefined) return undefined;
    const session = new inspector.Session();
    session.connect();
    return session;
  } catch {
    return undefined;
  }
}
