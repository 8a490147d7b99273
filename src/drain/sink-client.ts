import { Pool } from 'undici';
import { batchPath, encodeBatchV2, recordPath, type SinkRecord } from './sink-request.js';

/**
 * drain's calls to the sink over a pool of keep-alive connections (undici), one per lane, so a lane's next call
 * never waits for a connection. One call is one record, or one partition's batch in go-dmux's v2 body.
 */
export interface SinkClientOptions {
  sinkUrl: string;
  topic: string;
  connections: number;
  method: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** A call's outcome: the status, or the network error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). */
export type CallOutcome = { status: number } | { error: string };

export class SinkClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: SinkClientOptions) {
    const url = new URL(options.sinkUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    // Forced as go-dmux forces it: the body is the record's raw value.
    this.headers = { ...options.headers, 'content-type': 'application/octet-stream' };
  }

  /** One call: a single record, or several of one partition as a v2 batch. Never throws. */
  async call(records: readonly SinkRecord[]): Promise<CallOutcome> {
    const { topic, method } = this.options;
    const single = records.length === 1;
    try {
      const response = await this.pool.request({
        path: this.basePath + (single ? recordPath(topic, records[0]) : batchPath(topic)),
        method: method as 'POST',
        headers: this.headers,
        body: single ? (records[0].value ?? Buffer.alloc(0)) : encodeBatchV2(records[0].partition, records),
      });
      await response.body.dump();
      return { status: response.statusCode };
    } catch (error) {
      return { error: (error as NodeJS.ErrnoException).code ?? (error as Error).name };
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
