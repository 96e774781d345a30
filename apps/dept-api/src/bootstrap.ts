import 'reflect-metadata';
import { BadRequestException, LogLevel, ValidationPipeOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import type { FastifyInstance } from 'fastify';
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
    // Stalled or slow clients are dropped instead of holding a connection forever (issue 9).
    requestTimeout: app0.requestTimeoutMs,
    connectionTimeout: app0.connectionTimeoutMs,
    keepAliveTimeout: app0.keepAliveTimeoutMs,
    // Node checks the request and header deadlines every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: app0.headersTimeoutMs, requestTimeout: app0.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, app0.headersTimeoutMs) },
    // A 40-code-point id percent-encoded is up to 480 characters (4 UTF-8 bytes of 3 characters each).
    maxParamLength: DEPT_FIELD_MAX * 12 + 32,
    // Errors Fastify raises before routing (a URL that does not decode) get the API's error shape.
    frameworkErrors: (error: unknown, _request: unknown, reply: { code(n: number): { header(k: string, v: string): { send(b: string): void } } }) => {
      const body = toErrorBody(error);
      reply.code(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
    },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const fastify0 = adapter.getInstance<FastifyInstance>();
  const routes = new RouteTable();
  fastify0.addHook('onRoute', (route) => routes.add(route.url, route.method));
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
  const metrics = app.get(ApiMetrics);
  // One hook for every route: route template labels (not raw URLs) keep the series bounded. The
  // series is found with two Map look-ups and updated as plain numbers (prom-client reads them at
  // scrape time): prom-client's own inc + observe cost more than the rest of the hook.
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.http.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // Drain on shutdown: requests in flight finish, and their keep-alive connections are closed
  // after the answer instead of idling until the keep-alive timeout holds close() open.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
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
