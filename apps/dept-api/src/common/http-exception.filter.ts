import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

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
      : fastifyError.message ?? 'bad request';
    return { statusCode: status, error: REASONS[status] ?? 'Bad Request', message };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: REASONS[500], message: 'internal error' };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // Health checks answer in terminus's own shape ({status, info, error, details}), which probes
    // and people read; everything else gets {statusCode, error, message}.
    if (exception instanceof HttpException) {
      const res = exception.getResponse() as { details?: unknown };
      if (typeof res === 'object' && res && 'details' in res) {
        void reply.status(exception.getStatus()).send(res);
        return;
      }
    }
    const body = toErrorBody(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) this.logger.error((exception as Error)?.stack ?? String(exception));
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  }
}
