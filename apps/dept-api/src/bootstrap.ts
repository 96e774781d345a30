import 'reflect-metadata';
import { BadRequestException, LogLevel, ValidationPipeOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ValidationError } from 'class-validator';
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { AppConfig, appConfig } from '@app/config';
import { ApiMetrics } from '@app/observability';
import { DEPT_FIELD_MAX } from '@app/departments';
import { AppModule } from './app.module';
import { HttpExceptionFilter, toErrorBody } from './common/http-exception.filter';
import { FastValidationPipe } from './common/fast-validation.pipe';
import { registerJsonBody } from './common/json-body';
import { RouteTable } from './common/method-not-allowed';
import { completeDocument } from './common/openapi';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function logLevels(level: string): LogLevel[] {
  const wanted = level === 'info' ? 'log' : (level as LogLevel);
  return LEVELS.slice(0, LEVELS.indexOf(wanted) + 1);
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints?.whitelistValidation) return [`unknown field: ${path}`];
    return [...Object.values(e.constraints ?? {}), ...flatten(e.children ?? [], path)];
  });
}

/** The global ValidationPipe's options (FastValidationPipe: the same pipe with a fast path for valid bodies). */
export const VALIDATION: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
};

/** Builds the dept-api application (used by main.ts and by the tests). */
export async function createApp(): Promise<NestFastifyApplication> {
  const app0 = appConfig();
  const adapter = new FastifyAdapter({
    bodyLimit: app0.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Stalled or slow clients are dropped instead of holding a connection forever (issue 9). The
    // connection timeout is set per connection below, not as Fastify's `connectionTimeout`.
    requestTimeout: app0.requestTimeoutMs,
    keepAliveTimeout: app0.keepAliveTimeoutMs,
    // No Nest middleware is used: middie's onRequest hook would only run an empty chain per request.
    skipMiddie: true,
    // Node checks the request and header deadlines every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: app0.headersTimeoutMs, requestTimeout: app0.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, app0.headersTimeoutMs) },
    // A 40-code-point id percent-encoded is up to 480 characters (4 UTF-8 bytes of 3 characters each).
    routerOptions: { maxParamLength: DEPT_FIELD_MAX * 12 + 32 },
    // Errors Fastify raises before routing (a URL that does not decode) get the API's error shape.
    frameworkErrors: (error: unknown, _request: unknown, reply: { code(n: number): { header(k: string, v: string): { send(b: string): void } } }) => {
      const body = toErrorBody(error);
      reply.code(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
    },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const fastify0 = adapter.getInstance<FastifyInstance>();
  const routes = new RouteTable();
  // Set once Nest has built its providers; requests (and so the hooks below) only come after.
  const sink: { metrics?: ApiMetrics } = {};
  // One onResponse hook per route, made when the route is added, with its template in the
  // closure: route template labels (not raw URLs) keep the series bounded, and the template is not
  // read from `request.routeOptions`, a getter that builds a fresh object on every read.
  fastify0.addHook('onRoute', (route) => {
    routes.add(route.url, route.method);
    const template = route.url;
    const record: onResponseHookHandler = (request, reply, done) => {
      sink.metrics?.http.record(request.method, template, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = route.onResponse ? [...(Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]), record] : [record];
  });
  // Only application/json in UTF-8 is read (Nest's own parsers would add form-urlencoded).
  registerJsonBody(fastify0);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: logLevels(app0.logLevel),
    bufferLogs: false,
    bodyParser: false,
  });
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  app.useGlobalPipes(new FastValidationPipe(VALIDATION));
  app.useGlobalFilters(new HttpExceptionFilter(routes));

  const fastify = app.getHttpAdapter().getInstance();
  // The data routes take no query parameters; one sent is refused like an unknown body field.
  // The cheap test first: most requests carry no query, and routeOptions builds an object per read.
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.includes('?')) return done();
    const route = request.routeOptions.url;
    if (route && /^\/(v1|api)\//.test(route)) done(new BadRequestException('this route takes no query parameters'));
    else done();
  });
  const apiMetrics = app.get(ApiMetrics);
  sink.metrics = apiMetrics;
  const http = apiMetrics.http;
  // Requests no route matched (404, 405) are counted under one label by the one global hook; the
  // routes count their own (onRoute above). A series is found with two Map look-ups and updated as
  // plain numbers (prom-client reads them at scrape time): prom-client's own inc + observe cost
  // more than the rest of the hook.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) http.record(request.method, 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // Per connection, not per request (issue 10: the hot path pays nothing for either):
  // - A connection that sends nothing is dropped after CONNECTION_TIMEOUT_MS. Node's headers and
  //   request deadlines only cover a request once its first byte arrives, and after an answer the
  //   keep-alive timeout takes over. Fastify's `connectionTimeout` (server.timeout) would instead
  //   re-arm the socket timer on every request of a keep-alive connection.
  // - Drain on shutdown: the answer in flight on each open connection is marked as its last, so
  //   Node sends `Connection: close` and ends the socket after it, instead of the connection idling
  //   until the keep-alive timeout holds close() open. Requests that arrive after that get
  //   Fastify's 503 (return503OnClosing).
  const sockets = new Set<Socket>();
  fastify.server.on('connection', (socket: Socket) => {
    if (app0.connectionTimeoutMs > 0) socket.setTimeout(app0.connectionTimeoutMs);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  fastify.addHook('preClose', (done) => {
    for (const socket of sockets) {
      // The ServerResponse Node has attached to the socket (`_httpMessage`, set while a request is
      // being answered); its headers are written at send(), so the flag is read then.
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (res && !res.headersSent) res.shouldKeepAlive = false;
    }
    done();
  });

  if (config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('dept-api')
        .setDescription('The departments API of the study "Redis HA with standalone", route-compatible with the Spring original')
        .setVersion('1')
        .build(),
    );
    completeDocument(document);
    // Nest's own UI loader imports @fastify/static lazily; serving the same document through
    // @fastify/swagger in static mode keeps every module loaded up front (and testable in Jest).
    await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    fastify.get('/docs-json', { schema: { hide: true } }, (_req, reply) => reply.send(document));
  }
  app.enableShutdownHooks();
  return app;
}
