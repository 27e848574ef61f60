/**
 * node:http loopback server: request parsing, routing, stats and the transport-level faults
 * (drop, rate limit, server error, answer held past the client's timeout). What a route answers
 * is the venue module's business.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Faults } from './faults.js';
import type { FaultSpec, MockStats } from './types.js';

export interface Reply {
  readonly status?: number;
  /** Objects are JSON-encoded; strings are sent as they are (HTML error pages). */
  readonly body: unknown;
  readonly contentType?: string;
}

export interface Ctx {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly rawBody: string;
  readonly headers: IncomingHttpHeaders;
  /** Query and body parameters merged (urlencoded or JSON body). */
  readonly params: Record<string, unknown>;
  /** The fault armed for this request, for routes that act on it ('partial'). */
  readonly fault: FaultSpec | undefined;
}

export interface RouteDef {
  readonly method: string;
  readonly path: string;
  /** Operation name faults match on and stats count. */
  readonly op: string;
  readonly signed: boolean;
  readonly handle: (ctx: Ctx) => Reply;
}

export interface VenueHttp {
  readonly routes: readonly RouteDef[];
  /** Null when the request is authentic. */
  authenticate(ctx: Ctx): Reply | null;
  unknownPath(ctx: Ctx): Reply;
  rateLimited(ctx: Ctx): Reply;
  serverError(ctx: Ctx): Reply;
  /** The venue's real rejection for this operation ('reject' fault). */
  reject(op: string, ctx: Ctx): Reply;
}

export class MockHttpServer {
  readonly stats: MockStats = { requests: 0, byRoute: {}, signatureFailures: 0, unserved: [] };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private venue: VenueHttp | undefined;
  url = '';

  constructor(private readonly faults: Faults) {}

  /** `upgrade`: the WebSocket side (ws.ts) takes HTTP upgrade requests on the same port. */
  async listen(venue: VenueHttp, upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<string> {
    this.venue = venue;
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    if (upgrade !== undefined) server.on('upgrade', upgrade);
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const venue = this.venue as VenueHttp;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const path = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const rawQuery = qi < 0 ? '' : rawUrl.slice(qi + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const params: Record<string, unknown> = Object.fromEntries(new URLSearchParams(rawQuery));
    if (rawBody !== '') {
      if (rawBody.trimStart().startsWith('{')) {
        try {
          Object.assign(params, JSON.parse(rawBody) as Record<string, unknown>);
        } catch {
          // a malformed body reaches the route unparsed, as the venue would see it
        }
      } else Object.assign(params, Object.fromEntries(new URLSearchParams(rawBody)));
    }
    this.stats.requests++;
    const route = venue.routes.find((r) => r.method === method && r.path === path);
    const key = `${method} ${path}`;
    this.stats.byRoute[key] = (this.stats.byRoute[key] ?? 0) + 1;
    const base = { method, path, rawQuery, rawBody, headers: req.headers, params, fault: undefined };
    if (route === undefined) {
      this.stats.unserved.push(key);
      this.send(res, venue.unknownPath(base));
      return;
    }
    const fault = this.faults.take(route.op);
    const ctx: Ctx = { ...base, fault };
    if (fault?.kind === 'drop') {
      // Nothing was processed: for createOrder the order does not exist.
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'rateLimit') return this.send(res, venue.rateLimited(ctx));
    if (fault?.kind === 'serverError') return this.send(res, venue.serverError(ctx));
    if (route.signed) {
      const denied = venue.authenticate(ctx);
      if (denied !== null) {
        this.stats.signatureFailures++;
        this.send(res, denied);
        return;
      }
    }
    if (fault?.kind === 'reject') return this.send(res, venue.reject(route.op, ctx));
    let reply: Reply;
    try {
      reply = route.handle(ctx);
    } catch (e) {
      reply = { status: 500, body: `mock exchange route ${key} threw: ${String(e)}`, contentType: 'text/plain' };
    }
    if (fault?.kind === 'acceptThenTimeout') {
      // Processed (the order exists) but the answer is held: the client's own timeout fires first.
      if (fault.delayMs !== undefined) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!res.destroyed) this.send(res, reply);
        }, fault.delayMs);
        this.timers.add(t);
      }
      return;
    }
    this.send(res, reply);
  }

  private send(res: ServerResponse, reply: Reply): void {
    const isText = typeof reply.body === 'string';
    const body = isText ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? (isText ? 'text/html' : 'application/json') });
    res.end(body);
  }
}
