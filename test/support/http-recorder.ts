/**
 * A local HTTP server on 127.0.0.1 (ephemeral port) standing in for Telegram, Discord, Slack or a
 * webhook receiver: it records every request exactly as received (method, path, headers, raw
 * body bytes) and answers as the test says, including never answering or dropping the
 * connection. Nothing here touches the network beyond the loopback interface.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly index: number;
  readonly method: string;
  /** Path and query as sent, e.g. "/bot123:ABC/sendMessage". */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body bytes exactly as received. */
  readonly raw: Buffer;
  readonly text: string;
  json(): unknown;
  /** True while the request is open without an answer (a 'hang' not yet given up by the client). */
  readonly open: boolean;
  /** Resolves when the client closes a request the server never answered. */
  readonly closedByClient: Promise<void>;
}

export type Reply =
  | { readonly status: number; readonly body?: string | object; readonly headers?: Readonly<Record<string, string>> }
  | 'hang' // never answer
  | 'drop'; // close the connection without an answer (a network error for the client)

export type Responder = (req: RecordedRequest) => Reply;

export interface Recorder {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Resolves once `n` requests have arrived (bodies read). */
  waitFor(n: number): Promise<readonly RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startRecorder(respond: Responder = () => ({ status: 200, body: 'ok' })): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const waiters: { n: number; resolve: (r: readonly RecordedRequest[]) => void }[] = [];
  const wake = () => {
    for (const w of [...waiters]) {
      if (requests.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(requests.slice());
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let open = true;
      let onClientClose: () => void = () => {};
      const closedByClient = new Promise<void>((resolve) => {
        onClientClose = resolve;
      });
      const rec: RecordedRequest = {
        index: requests.length,
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        text: raw.toString('utf8'),
        json: () => JSON.parse(raw.toString('utf8')) as unknown,
        get open() {
          return open;
        },
        closedByClient,
      };
      res.on('close', () => {
        if (open) {
          open = false;
          onClientClose();
        }
      });
      requests.push(rec);
      const reply = respond(rec);
      if (reply === 'hang') {
        // keep the request open
      } else if (reply === 'drop') {
        open = false;
        req.socket.destroy();
      } else {
        open = false;
        answer(res, reply);
      }
      wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitFor: (n) =>
      new Promise((resolve) => {
        waiters.push({ n, resolve });
        wake();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(res: ServerResponse, reply: Exclude<Reply, 'hang' | 'drop'>): void {
  const isJson = typeof reply.body === 'object';
  const body = reply.body === undefined ? '' : isJson ? JSON.stringify(reply.body) : String(reply.body);
  res.writeHead(reply.status, { 'content-type': isJson ? 'application/json' : 'text/plain', ...reply.headers });
  res.end(body);
}

/** A port nothing listens on (bound then released), for connection-refused errors. */
export async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Headers minus the ones the HTTP client sets on its own (host, connection, content-length, ...). */
export function appHeaders(h: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const skip = new Set(['host', 'connection', 'content-length', 'accept', 'accept-language', 'accept-encoding', 'sec-fetch-mode', 'keep-alive']);
  return Object.fromEntries(Object.entries(h).filter(([k]) => !skip.has(k)));
}
