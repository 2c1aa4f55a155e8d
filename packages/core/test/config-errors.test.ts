import { describe, it, expect } from 'vitest';
import { createCorsPolicy, CorsConfigError, type CorsConfigProblem, type CorsOptions } from '../src/index.js';

function problemsOf(options: unknown): CorsConfigProblem[] {
  try {
    createCorsPolicy(options as CorsOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(CorsConfigError);
    return [...(error as CorsConfigError).problems];
  }
  return [];
}

function problemAt(options: unknown, path: string): CorsConfigProblem {
  const problems = problemsOf(options);
  const found = problems.find((p) => p.path === path);
  if (found === undefined) throw new Error(`no problem at ${path}; got ${JSON.stringify(problems)}`);
  return found;
}

const ORIGIN = 'https://app.example.com';

describe('CorsConfigError', () => {
  const options = {
    origin: ['https://app.example.com/', '*'],
    credentials: true,
    methods: ['GET', 'TRACE'],
    allowedHeaders: ['content-type', 'cookie'],
    exposedHeaders: '*',
    maxAge: 100000,
    preflightStatus: 404,
    allowHeaders: ['x-a'],
  };

  it('lists every problem at once, each with path, message and hint', () => {
    const problems = problemsOf(options);
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['allowHeaders', 'origin[0]', 'origin', 'methods[1]', 'allowedHeaders[1]', 'exposedHeaders', 'maxAge', 'preflightStatus'].sort(),
    );
    for (const p of problems) {
      expect(p.message.length, p.path).toBeGreaterThan(0);
      expect(p.hint.length, p.path).toBeGreaterThan(0);
    }
  });

  it('is an Error whose message names every path and hint', () => {
    let caught: unknown;
    try {
      createCorsPolicy(options as unknown as CorsOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    const error = caught as CorsConfigError;
    expect(error.name).toBe('CorsConfigError');
    expect(error.message).toContain(`(${error.problems.length} problems)`);
    for (const p of error.problems) {
      expect(error.message).toContain(`${p.path}: ${p.message}`);
      expect(error.message).toContain(`hint: ${p.hint}`);
    }
    expect(Object.isFrozen(error.problems)).toBe(true);
  });

  it("says '1 problem' for one", () => {
    expect(() => createCorsPolicy({ origin: '' })).toThrow('(1 problem)');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'https://app.example.com'],
    ['an array', ['https://app.example.com']],
    ['a number', 1],
  ])('refuses %s as the options', (_, options) => {
    const problems = problemsOf(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('options');
  });
});

describe('unknown options', () => {
  it.each([
    ['allowHeaders', "'allowedHeaders'"],
    ['origins', "'origin'"],
    ['allowedOrigins', "'origin'"],
    ['exposeHeaders', "'exposedHeaders'"],
    ['maxage', "'maxAge'"],
    ['max_age', "'maxAge'"],
    ['credential', "'credentials'"],
    ['allowCredentials', "'credentials'"],
    ['method', "'methods'"],
    ['allowMethods', "'methods'"],
    ['optionsSuccessStatus', "'preflightStatus'"],
    ['privateNetworkAccess', "'allowPrivateNetwork'"],
    ['onRefuse', "'onRefused'"],
    ['preflightContinue', 'remove it'],
    ['keepHeadersOnError', 'remove it'],
  ])('%s -> %s', (name, suggestion) => {
    const problem = problemAt({ origin: ORIGIN, [name]: 1 }, name);
    expect(problem.message).toBe('is not an option');
    expect(problem.hint).toContain(suggestion);
  });

  it.each(['xyzzy', 'constructor', 'toString', 'hasOwnProperty', '__proto__'])('%s lists the real options', (name) => {
    const options: Record<string, unknown> = JSON.parse(`{"origin":"${ORIGIN}","${name}":1}`);
    const problem = problemAt(options, name);
    expect(typeof problem.hint).toBe('string');
    expect(problem.hint).toContain('remove it; the options are origin, credentials');
  });

  it('does not stop the other checks', () => {
    expect(problemsOf({ origin: '*', credentials: true, origins: ['x'] }).map((p) => p.path)).toEqual(['origins', 'origin']);
  });
});

describe('boolean options must be booleans', () => {
  it.each(['credentials', 'allowPrivateNetwork', 'dangerouslyAllowInsecureOrigins', 'dangerouslyAllowWildcardOverPublicSuffix'])('%s', (name) => {
    for (const value of ['true', 1, null, {}]) {
      expect(problemAt({ origin: ORIGIN, [name]: value }, name).message).toContain('must be true or false');
    }
    expect(problemsOf({ origin: ORIGIN, [name]: false })).toEqual([]);
  });
});

describe('methods', () => {
  it.each([
    [['GET '], 'methods[0]', 'not a valid HTTP token'],
    [['PO ST'], 'methods[0]', 'not a valid HTTP token'],
    [[''], 'methods[0]', 'not a valid HTTP token'],
    [['GET', 'PUT\r\n'], 'methods[1]', 'not a valid HTTP token'],
    [['GET', 'DÉLÈTE'], 'methods[1]', 'not a valid HTTP token'],
    [['GET', 42], 'methods[1]', 'not a valid HTTP token'],
    [['CONNECT'], 'methods[0]', 'forbidden method'],
    [['GET', 'TRACE'], 'methods[1]', 'forbidden method'],
    [['TRACK'], 'methods[0]', 'forbidden method'],
    [['connect'], 'methods[0]', 'forbidden method'],
    [['get'], 'methods[0]', "browsers send it as 'GET'"],
    [['Delete'], 'methods[0]', "browsers send it as 'DELETE'"],
    [['*'], 'methods[0]', 'literal name'],
    ['GET', 'methods', 'must be an array'],
    [{ GET: true }, 'methods', 'must be an array'],
  ])('%j is refused at %s', (methods, path, fragment) => {
    expect(problemAt({ origin: ORIGIN, methods }, path).message).toContain(fragment);
  });

  it("refuses '*' with credentials", () => {
    expect(problemAt({ origin: ORIGIN, credentials: true, methods: '*' }, 'methods').message).toContain('credentials');
  });

  it.each([[['GET', 'PATCH', 'patch', 'PROPFIND', 'M-SEARCH']], ['*'], [[]]])('accepts %j without credentials', (methods) => {
    expect(problemsOf({ origin: ORIGIN, methods })).toEqual([]);
  });
});

describe('allowedHeaders and exposedHeaders', () => {
  it.each([
    'Cookie',
    'host',
    'Origin',
    'content-length',
    'connection',
    'access-control-request-method',
    'access-control-request-headers',
    'Sec-Fetch-Mode',
    'sec-ch-ua',
    'proxy-authorization',
    'Proxy-Foo',
    'referer',
  ])('refuses the forbidden request header %s', (name) => {
    expect(problemAt({ origin: ORIGIN, allowedHeaders: ['content-type', name] }, 'allowedHeaders[1]').message).toContain('forbidden request header');
  });

  it.each(['x a', 'x:y', '', 'x-é', 'x\ty'])('refuses the non-token %j', (name) => {
    expect(problemAt({ origin: ORIGIN, allowedHeaders: [name] }, 'allowedHeaders[0]').message).toContain('not a valid HTTP token');
    expect(problemAt({ origin: ORIGIN, exposedHeaders: [name] }, 'exposedHeaders[0]').message).toContain('not a valid HTTP token');
  });

  it.each(['allowedHeaders', 'exposedHeaders'])("refuses '*' with credentials for %s, and accepts it without", (option) => {
    expect(problemAt({ origin: ORIGIN, credentials: true, [option]: '*' }, option).message).toContain('credentials');
    expect(problemsOf({ origin: ORIGIN, [option]: '*' })).toEqual([]);
  });

  it.each(['allowedHeaders', 'exposedHeaders'])("refuses '*' inside a %s list", (option) => {
    expect(problemAt({ origin: ORIGIN, [option]: ['x-a', '*'] }, `${option}[1]`).message).toContain('literal name');
  });

  it.each(['Set-Cookie', 'set-cookie2'])('refuses exposing %s', (name) => {
    expect(problemAt({ origin: ORIGIN, exposedHeaders: [name] }, 'exposedHeaders[0]').message).toContain('never be read');
  });

  it('accepts authorization, by name, with credentials', () => {
    expect(problemsOf({ origin: ORIGIN, credentials: true, allowedHeaders: ['Authorization', 'content-type'] })).toEqual([]);
  });
});

describe('maxAge', () => {
  it.each([0, 1, 600, 7200, 86400])('accepts %j', (maxAge) => {
    expect(problemsOf({ origin: ORIGIN, maxAge })).toEqual([]);
  });
  it.each([-1, 86401, 1.5, '600', NaN, Infinity, null, 1e10])('refuses %j', (maxAge) => {
    expect(problemAt({ origin: ORIGIN, maxAge }, 'maxAge').message).toContain('integer from 0 to 86400');
  });
});

describe('preflightStatus', () => {
  it.each([200, 204, 299])('accepts %j', (preflightStatus) => {
    expect(problemsOf({ origin: ORIGIN, preflightStatus })).toEqual([]);
  });
  it.each([199, 300, 404, 0, 204.5, '204', null])('refuses %j', (preflightStatus) => {
    expect(problemAt({ origin: ORIGIN, preflightStatus }, 'preflightStatus').message).toContain('200 to 299');
  });
});

describe('hooks and the validator cache', () => {
  it('refuses an onRefused that is not a function', () => {
    expect(problemAt({ origin: ORIGIN, onRefused: 'log' }, 'onRefused').message).toContain('function');
  });

  it.each([
    ['yes', 'validatorCache'],
    [null, 'validatorCache'],
    [{ maxEntries: 0 }, 'validatorCache.maxEntries'],
    [{ maxEntries: 1.5 }, 'validatorCache.maxEntries'],
    [{ ttl: 0 }, 'validatorCache.ttl'],
    [{ ttl: -1 }, 'validatorCache.ttl'],
    [{ ttl: Infinity }, 'validatorCache.ttl'],
    [{ ttl: '60' }, 'validatorCache.ttl'],
    [{ size: 10 }, 'validatorCache.size'],
  ])('refuses validatorCache %j at %s', (validatorCache, path) => {
    problemAt({ origin: ORIGIN, validatorCache }, path);
  });

  it.each([true, false, {}, { maxEntries: 10, ttl: 0.5 }])('accepts validatorCache %j', (validatorCache) => {
    expect(problemsOf({ origin: ORIGIN, validatorCache })).toEqual([]);
  });
});

describe('a valid policy', () => {
  it('exposes its options with defaults, frozen', () => {
    const policy = createCorsPolicy({ origin: ORIGIN });
    expect(policy.options).toMatchObject({ origin: ORIGIN, credentials: false, preflightStatus: 204, allowPrivateNetwork: false });
    expect(Object.isFrozen(policy.options)).toBe(true);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(policy.mayBeAsync).toBe(false);
  });

  it('is not affected by later changes to the options object', () => {
    const options = { origin: [ORIGIN], allowedHeaders: ['x-a'] };
    const policy = createCorsPolicy(options);
    options.origin.push('https://evil.example.net');
    options.allowedHeaders.push('x-b');
    const decision = policy.decide('GET', { origin: 'https://evil.example.net' });
    expect(decision).toMatchObject({ allowed: false });
  });
});
