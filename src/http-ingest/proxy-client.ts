import { Pool } from 'undici';

/**
 * http-produce's requests to the proxy over a pool of keep-alive connections (undici, as drain's sink client),
 * one request at a time on each: the worker never has more in flight than its connections, so none waits in
 * undici's queue and a request's latency is its round trip.
 */
export type PostOutcome = { status: number; body: string } | { error: string };

export class ProxyClient {
  private readonly pool: Pool;

  constructor(origin: string, connections: number, timeoutMs: number, private readonly headers: Record<string, string>) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  /** One POST and its whole answer; a network error or timeout is its code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). Never throws. */
  async post(path: string, body: string): Promise<PostOutcome> {
    try {
      const response = await this.pool.request({ path, method: 'POST', headers: this.headers, body });
      return { status: response.statusCode, body: await response.body.text() };
    } catch (error) {
      return { error: (error as NodeJS.ErrnoException).code ?? (error as Error).name };
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
