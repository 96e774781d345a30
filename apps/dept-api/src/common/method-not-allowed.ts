/**
 * The routes Fastify knows, by path template, to tell "no such path" (404) from "no such method
 * on this path" (405, with an Allow header), which Fastify and Nest both answer as 404.
 */
export class RouteTable {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string | string[]): void {
    let entry = this.routes.get(url);
    if (!entry) {
      const source = url
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      entry = { pattern: new RegExp(`^${source}$`), methods: new Set() };
      this.routes.set(url, entry);
    }
    for (const m of Array.isArray(methods) ? methods : [methods]) entry.methods.add(m.toUpperCase());
  }

  /** The methods some route accepts for this raw URL (query ignored), sorted; empty when none. */
  allowed(rawUrl: string): string[] {
    const path = rawUrl.split('?')[0];
    const methods = new Set<string>();
    for (const { pattern, methods: ms } of this.routes.values()) if (pattern.test(path)) ms.forEach((m) => methods.add(m));
    return [...methods].sort();
  }
}
