import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * Deepest JSON nesting a body may have. Every DTO is one flat object (depth 1); a few thousand
 * levels (2-3 KB) used to overflow the stack in class-transformer and class-validator, so the
 * depth is bounded on the raw text, before anything recurses over it.
 */
export const MAX_JSON_DEPTH = 8;

/** True when `text` nests objects or arrays deeper than `max` (strings skipped; linear, no recursion). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The `charset` parameter of a Content-Type, lower-cased, or undefined. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m?.[1].toLowerCase();
}

/**
 * The only body the API reads: `application/json` in UTF-8. Everything else is refused before a
 * handler runs: other media types (form-urlencoded, text/plain, ...) 415, a charset other than
 * UTF-8 415, bytes that are not valid UTF-8 400 (they used to become U+FFFD and be stored), JSON
 * nested deeper than MAX_JSON_DEPTH 400, `__proto__`/`constructor` keys 400 (Fastify's secure
 * parser).
 */
export function registerJsonBody(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new UnsupportedMediaTypeException(`only UTF-8 JSON is accepted, not charset=${charset}`), undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new BadRequestException('the body is not valid UTF-8'), undefined);
      return;
    }
    if (jsonTooDeep(text)) {
      done(new BadRequestException(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
