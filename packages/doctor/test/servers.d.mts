import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Running {
  readonly port: number;
  /** `http://<host>:<port>`, without a path. */
  readonly url: string;
  close(): Promise<void>;
}

export type Options = Record<string, unknown>;

export const TRUSTED: string;
export const CAREFUL: Options;
export function nodeServer(handler: (req: IncomingMessage, res: ServerResponse) => void, host?: string): Promise<Running>;
export function corsReflecting(host?: string, options?: Options): Promise<Running>;
export function corsUnanchored(host?: string): Promise<Running>;
export function corsSuffix(host?: string): Promise<Running>;
export function corsWith(options: Options, host?: string): Promise<Running>;
export function corsCareful(host?: string): Promise<Running>;
export function koaCorsCredentials(host?: string): Promise<Running>;
export function fastifyCorsOwnVary(host?: string): Promise<Running>;
export function adapterExpress(options?: Options, host?: string): Promise<Running>;
export function adapterKoa(options?: Options, host?: string): Promise<Running>;
export function adapterFastify(options?: Options, host?: string): Promise<Running>;
export function httpsAdapterExpress(options: Options, host?: string): Promise<Running>;
export function selfSigned(): { key: Buffer; cert: Buffer };
