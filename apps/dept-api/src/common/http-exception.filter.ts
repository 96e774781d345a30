import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteTable } from './method-not-allowed';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** Maps any error, including Fastify's own (bad JSON, body too large), to `{statusCode, error, message}`. */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    const message = typeof res === 'string' ? res : ((res as { message?: string | string[] }).message ?? exception.message);
    return { statusCode: status, error: REASONS[status] ?? exception.name, message };
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const message =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body is larger than the limit'
      : fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? `invalid JSON body: ${fastifyError.message}`
      : fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'the body must be application/json in UTF-8'
      : fastifyError.code === 'FST_ERR_BAD_URL' ? 'the URL does not decode as UTF-8 percent-encoding'
      : fastifyError.message ?? 'bad request';
    return { statusCode: status, error: REASONS[status] ?? 'Bad Request', message };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: REASONS[500], message: 'internal error' };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  /** With the route table, a known path asked with another method answers 405 and Allow. */
  constructor(private readonly routes?: RouteTable) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    // Health checks answer in terminus's own shape ({status, info, error, details}), which probes
    // and people read; everything else gets {statusCode, error, message}.
    if (exception instanceof HttpException) {
      const res = exception.getResponse() as { details?: unknown };
      if (typeof res === 'object' && res && 'details' in res) {
        void reply.status(exception.getStatus()).send(res);
        return;
      }
    }
    let body = toErrorBody(exception);
    if (exception instanceof NotFoundException && this.routes && request && !request.routeOptions?.url) {
      const allowed = this.routes.allowed(request.url);
      if (allowed.length > 0) {
        body = { statusCode: 405, error: REASONS[405], message: `${request.method} is not allowed here; allowed: ${allowed.join(', ')}` };
        void reply.header('allow', allowed.join(', '));
      }
    }
    // Every 503 is transient (a dependency down or a statement rolled back): tell clients when to retry.
    if (body.statusCode === 503) void reply.header('retry-after', '1');
    if (body.statusCode >= 500 && body.statusCode !== 503) this.logger.error((exception as Error)?.stack ?? String(exception));
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  }
}
