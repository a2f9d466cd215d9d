// A small HTTP server on 127.0.0.1 that vendor fakes build on: a route table, a log of what was
// received, and fault injection (status sequences, delays, cut connections, huge or non-JSON bodies).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  rawBody: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless `raw` is given. */
  json?: unknown;
  raw?: string | Buffer;
}

/** A handler returns a reply, or undefined to fall through to 404. `params` holds `:name` segments. */
export type Handler = (req: ReceivedRequest, params: Record<string, string>) => Reply | undefined | Promise<Reply | undefined>;

/** A fault applied to the next matching request(s) before the route runs. */
export type Fault =
  | { type: 'reply'; reply: Reply }
  | { type: 'delay'; ms: number } // then the route answers
  | { type: 'hang' } // never answers
  | { type: 'cut' } // destroys the socket once the request body is read (outcome unknown to the client)
  | { type: 'trickle'; bytesPerSecond: number; reply: Reply };

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

interface QueuedFault {
  match: (r: ReceivedRequest) => boolean;
  fault: Fault;
  times: number;
}

export class FakeServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly routes: Route[] = [];
  private faults: QueuedFault[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  /** When set, every request must carry this exact header value or gets `unauthorized()`. */
  requireAuth?: { header: string; value: string; unauthorized: () => Reply };

  constructor(readonly name: string) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Registers `GET /rest/api/3/issue/:key` style routes. */
  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, n: string) => {
          names.push(n);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method: method.toUpperCase(), pattern, names, handler });
    return this;
  }

  /** Applies `fault` to the next `times` requests that `match` (default: every request). */
  inject(fault: Fault, times = 1, match: (r: ReceivedRequest) => boolean = () => true): this {
    this.faults.push({ match, fault, times });
    return this;
  }

  clearFaults(): void {
    this.faults = [];
  }

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown = rawBody;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      /* keep the raw text */
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const received: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody,
    };
    this.requests.push(received);

    const queued = this.faults.find((f) => f.times > 0 && f.match(received));
    if (queued) {
      queued.times--;
      const f = queued.fault;
      if (f.type === 'hang') return;
      if (f.type === 'cut') return void req.socket.destroy();
      if (f.type === 'reply') return this.send(res, f.reply);
      if (f.type === 'trickle') return this.trickle(res, f.reply, f.bytesPerSecond);
      await new Promise((r) => setTimeout(r, f.ms));
    }

    if (this.requireAuth && req.headers[this.requireAuth.header.toLowerCase()] !== this.requireAuth.value) {
      return this.send(res, this.requireAuth.unauthorized());
    }
    for (const route of this.routes) {
      if (route.method !== received.method) continue;
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      const reply = await route.handler(received, params);
      if (reply) return this.send(res, reply);
    }
    this.send(res, { status: 404, json: { message: `${this.name} fake: no route for ${received.method} ${received.path}` } });
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers };
    let payload: string | Buffer = '';
    if (reply.raw !== undefined) payload = reply.raw;
    else if (reply.json !== undefined) {
      payload = JSON.stringify(reply.json);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(payload);
  }

  private trickle(res: http.ServerResponse, reply: Reply, bytesPerSecond: number): void {
    const payload = Buffer.from(reply.raw ?? JSON.stringify(reply.json ?? {}));
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    let offset = 0;
    const step = Math.max(1, Math.floor(bytesPerSecond / 10));
    const timer = setInterval(() => {
      if (res.destroyed || offset >= payload.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(payload.subarray(offset, offset + step));
      offset += step;
    }, 100);
    res.on('close', () => clearInterval(timer));
  }
}
