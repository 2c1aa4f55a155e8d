// Nest 11, resolved from this package's own dependencies: Nest's packages import each other by name, so each
// major lives in its own package, and the framework matrix loads the whole set from here.
import 'reflect-metadata';

export * as common from '@nestjs/common';
export * as core from '@nestjs/core';
export { ExpressAdapter } from '@nestjs/platform-express';
export { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
export { cors as expressCors } from '@cors/express';
export { cors as fastifyCors } from '@cors/fastify';
export { enableCors } from '@cors/nestjs';
