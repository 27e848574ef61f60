/**
 * WebSocket side of the loopback mock: the `ws` package's WebSocketServer on the HTTP server's own
 * port (HTTP upgrade), connection bookkeeping, stats and the drop-everything fault. What a stream
 * says is the venue module's business (binance-ws.ts, bybit-ws.ts).
 *
 * Paths: ccxtOptions() re-homes every ws URL ccxt.pro knows as ws://127.0.0.1:<port>/<real host><real path>
 * ('wss://stream.binance.com:9443/ws' -> '/stream.binance.com/ws'), so anything ccxt.pro keys on in
 * a client URL (binance isSpotUrl: '/stream'; bybit handleOrderBook: 'spot') survives the move; an
 * endpoint the mock does not serve (user-data streams, ws-api) is refused with 404 at the upgrade
 * and listed in wsStats().unserved.
 *
 * Ping/pong: WebSocket ping frames (what ccxt.pro binance sends every keepAlive) are answered by
 * `ws` itself; venue-level pings (bybit {"op":"ping"}) by the venue module.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { MockWsStats } from './types.js';

export interface WsConn {
  /** Bybit's conn_id; an opaque id elsewhere. */
  readonly id: string;
  /** Venue endpoint the path opened: 'spot' | 'future' (binance), 'spot' | 'linear' (bybit). */
  readonly endpoint: string;
  readonly path: string;
  send(msg: unknown): void;
}

export interface VenueWs {
  /** Endpoint a request path opens; undefined: not served (the upgrade is refused). */
  endpoint(path: string): string | undefined;
  message(conn: WsConn, text: string): void;
  /** Streams the connection is subscribed to, in the venue's words. */
  topics(conn: WsConn): string[];
  closed(conn: WsConn): void;
}

export interface WsHub {
  connections(): Iterable<WsConn>;
}

export class MockWsServer implements WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Map<WebSocket, WsConn>();
  private venue: VenueWs | undefined;
  private readonly counters = { opened: 0, dropped: 0, received: 0, sent: 0, pingFrames: 0 };
  private readonly unserved: string[] = [];

  serve(venue: VenueWs): void {
    this.venue = venue;
  }

  connections(): Iterable<WsConn> {
    return [...this.conns.values()];
  }

  /** node:http 'upgrade' listener. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const venue = this.venue;
    const rawUrl = req.url ?? '/';
    const path = rawUrl.split('?')[0] as string;
    const endpoint = venue?.endpoint(path);
    if (venue === undefined || endpoint === undefined) {
      this.unserved.push(`WS ${path}`);
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.counters.opened++;
      const conn: WsConn = {
        id: randomUUID(),
        endpoint,
        path,
        send: (msg) => {
          if (ws.readyState !== WebSocket.OPEN) return;
          this.counters.sent++;
          ws.send(JSON.stringify(msg));
        },
      };
      this.conns.set(ws, conn);
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        this.counters.received++;
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        venue.message(conn, text);
      });
      // `ws` answers ping frames with pong frames by itself (autoPong); this only counts them.
      ws.on('ping', () => {
        this.counters.pingFrames++;
      });
      ws.on('close', () => {
        this.conns.delete(ws);
        venue.closed(conn);
      });
      ws.on('error', () => {
        // a client that vanished mid-frame; 'close' follows
      });
    });
  };

  /** Cut every connection without a close handshake (the client sees 1006), as a network drop would. */
  drop(): number {
    const n = this.conns.size;
    for (const ws of this.conns.keys()) ws.terminate();
    this.counters.dropped += n;
    return n;
  }

  stats(): MockWsStats {
    const venue = this.venue;
    const subscriptions: string[] = [];
    if (venue !== undefined) for (const c of this.conns.values()) for (const t of venue.topics(c)) subscriptions.push(`${c.endpoint} ${t}`);
    return { open: this.conns.size, ...this.counters, subscriptions, unserved: [...this.unserved] };
  }

  async close(): Promise<void> {
    for (const ws of this.conns.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Every ws URL in a ccxt.pro `urls.api.ws` tree, re-homed as <mockWs>/<real host><real path>. */
export type WsUrls = { [k: string]: string | WsUrls };

export function rehomeWs(urls: WsUrls, mockWs: string): WsUrls {
  const out: WsUrls = {};
  for (const [k, v] of Object.entries(urls)) {
    if (typeof v === 'string') {
      const u = new URL(v.replace('{hostname}', 'bybit.com'));
      out[k] = `${mockWs}/${u.hostname}${u.pathname.replace(/\/$/, '')}`;
    } else out[k] = rehomeWs(v, mockWs);
  }
  return out;
}
