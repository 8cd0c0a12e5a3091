/**
 * analytics-pipelines-local: the local stand-in for Cloudflare Pipelines (README.md beside this
 * file). Ingestion's stream bindings reach `PipelineStream` through service bindings whose
 * `props.stream` names the stream, with the Pipelines binding's own method, so ingestion runs the
 * same code locally as in production. Local development only: never deployed.
 */
import type { TableName } from "@edge-analytics/event-schema";
import type { PipelineStreamBinding } from "@edge-analytics/ingest";
import { isRawTable } from "@edge-analytics/lake";
import { WorkerEntrypoint } from "cloudflare:workers";
import type { SinkFlushResult } from "./durable-objects/stream-buffer.ts";
import { createHttpApp } from "./http-app.ts";
import { SEND_DEADLINE_MS, SendCoalescer, withDeadline } from "./send-coalescer.ts";
import { streamBuffer } from "./stream-buffer-stub.ts";

export { StreamBuffer } from "./durable-objects/stream-buffer.ts";

/** Pipelines refuses a request over 1 MB (https://developers.cloudflare.com/pipelines/platform/limits/). */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** What each stream's service binding passes (wrangler.jsonc: `"props": { "stream": "page_views" }`). */
interface StreamProps {
  stream: string;
}

/** One per isolate: the streams' sends of concurrent requests share one write to the buffer. */
let coalescer: SendCoalescer | undefined;

/**
 * One Pipelines stream: `send` resolves once the records are durable in the stand-in's buffer,
 * from where the sink writes them to R2. Refuses what Pipelines refuses up front: a request over
 * 1 MB, and records that are not JSON objects.
 */
export class PipelineStream extends WorkerEntrypoint<Env, StreamProps> implements PipelineStreamBinding {
  async send(records: Record<string, unknown>[]): Promise<void> {
    const stream = this.ctx.props.stream;
    if (!isRawTable(stream)) throw new Error(`no stream "${stream}": the binding's props.stream must name a lake table`);
    if (!Array.isArray(records) || records.some((record) => typeof record !== "object" || record === null || Array.isArray(record))) {
      throw new TypeError("send() takes an array of JSON objects");
    }
    if (records.length === 0) return;
    const json = JSON.stringify(records);
    // A UTF-16 unit is at most 3 UTF-8 bytes: most requests skip the encoding.
    if (json.length * 3 > MAX_REQUEST_BYTES && new TextEncoder().encode(json).byteLength > MAX_REQUEST_BYTES) {
      throw new RangeError(`a Pipelines request carries at most ${MAX_REQUEST_BYTES} bytes`);
    }
    const env = this.env;
    coalescer ??= new SendCoalescer(async (batchJson) => void (await streamBuffer(env).appendBatch(batchJson)));
    const { done, flush } = coalescer.add(stream, json);
    if (flush) this.ctx.waitUntil(flush);
    await withDeadline(done, SEND_DEADLINE_MS, "the stream buffer's write");
  }
}

const app = createHttpApp();

/** HTTP for the local origin, and RPC for tests of the Workers that send to it. */
export default class PipelinesStandIn extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  /** RPC: writes every buffered record to the lake now. */
  async flush(): Promise<SinkFlushResult> {
    return streamBuffer(this.env).flush();
  }

  /** RPC: the records a stream holds and has not written yet, oldest first. */
  async bufferedRecords(stream: TableName, limit = 100_000): Promise<Record<string, unknown>[]> {
    return JSON.parse(await streamBuffer(this.env).read(stream, limit)) as Record<string, unknown>[];
  }
}
