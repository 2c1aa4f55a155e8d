// Types of index.js: Nest 12's own, from this package's dependencies.

export * as common from '@nestjs/common';
export * as core from '@nestjs/core';
export { ExpressAdapter } from '@nestjs/platform-express';
export { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
export { cors as expressCors } from '@cors/express';
export { cors as fastifyCors } from '@cors/fastify';
export { enableCors } from '@cors/nestjs';
