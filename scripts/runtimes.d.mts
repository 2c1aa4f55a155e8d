// Types for runtimes.mjs, for the TypeScript tests that import it.
export type RuntimeName = 'bun' | 'deno' | 'workerd';
export declare const RUNTIMES: Readonly<Record<RuntimeName, { readonly package: string; readonly version: string; readonly binary: string }>>;
export declare function runtimesDir(): string;
export declare function locateRuntime(name: RuntimeName): string | undefined;
export declare function ensureRuntime(name: RuntimeName): Promise<string>;
