// The executor only ever loads this machine: every base URL must be plain http on a 127.0.0.0/8
// address. Names such as "localhost" are refused too, since they may resolve elsewhere (::1, a
// hosts entry) and the load would then go where nobody checked.

export class LoadTargetError extends Error {
  override name = 'LoadTargetError';
}

export interface LoadTarget {
  baseUrl: string;
  hostname: string;
  port: number;
}

const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseLoadTargets(baseUrls: readonly string[]): LoadTarget[] {
  if (baseUrls.length === 0) throw new LoadTargetError('no base URL given: pass at least one dept-api URL such as http://127.0.0.1:8080');
  return baseUrls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new LoadTargetError(`"${raw}" is not a URL: use http://127.0.0.1:<port>`);
    }
    const m = LOOPBACK_V4.exec(url.hostname);
    if (!m || m.slice(1).some((octet) => Number(octet) > 255)) {
      throw new LoadTargetError(
        `refusing to send load to ${url.host}: bench only loads 127.0.0.0/8 (e.g. http://127.0.0.1:${url.port || 8080}); ` +
          'for other hosts run the k6 scripts from a machine you are allowed to load',
      );
    }
    if (url.protocol !== 'http:') throw new LoadTargetError(`${raw}: only http:// is supported by the local executor`);
    if (url.pathname !== '/' && url.pathname !== '') throw new LoadTargetError(`${raw}: give the base URL without a path`);
    const port = Number(url.port || 80);
    return { baseUrl: `http://${url.hostname}:${port}`, hostname: url.hostname, port };
  });
}
