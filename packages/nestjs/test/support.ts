// A Nest 12 app on either platform, decorators applied by hand (no decorator build step), and raw HTTP.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

export const APP = 'https://app.example.com';
export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/** One controller: `GET /hello` answers `hello`. */
function helloModule(): object {
  class HelloController {
    hello() {
      return 'hello';
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello')!;
  Get('hello')(HelloController.prototype, 'hello', descriptor);
  Controller()(HelloController);
  class HelloModule {}
  Module({ controllers: [HelloController] })(HelloModule);
  return HelloModule;
}

export function createApp(platform: 'express', options?: Record<string, unknown>): Promise<NestExpressApplication>;
export function createApp(platform: 'fastify', options?: Record<string, unknown>): Promise<NestFastifyApplication>;
export function createApp(platform: Platform, options?: Record<string, unknown>): Promise<NestExpressApplication | NestFastifyApplication>;
export function createApp(platform: Platform, options: Record<string, unknown> = {}): Promise<NestExpressApplication | NestFastifyApplication> {
  const settings = { logger: false as const, forceCloseConnections: true, ...options };
  return platform === 'express'
    ? NestFactory.create<NestExpressApplication>(helloModule(), new ExpressAdapter(), settings)
    : NestFactory.create<NestFastifyApplication>(helloModule(), new FastifyAdapter(), settings);
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(app: NestExpressApplication | NestFastifyApplication): Promise<Listening> {
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface Reply {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: string;
}

/** A request with exactly these headers (fetch would add or refuse some). */
export async function request(url: string, method: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { method, headers });
  const body = await res.text();
  return { status: res.status, header: (name) => res.headers.get(name) ?? undefined, body };
}
