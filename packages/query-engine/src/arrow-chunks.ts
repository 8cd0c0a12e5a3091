// An Arrow IPC stream cut into smaller streams for DuckDB-WASM's insert, which copies the whole
// stream it is given into the wasm heap (measured: README "Memory") before building the table: the heap never
// shrinks, so the largest single insert sets it for the isolate's life. Measured with 100k page
// views x 25 columns (a 23 MiB stream) into the engine's compressed database: one insert left
// the heap at 72 MiB, 2 MiB pieces at 40 MiB (1 MiB pieces: the same heap, slower queries).
import { RecordBatchStreamWriter, type RecordBatch, tableFromIPC } from "apache-arrow";

/** Bytes of Arrow buffers per piece: small enough to stay off the heap's peak, large enough to keep per-insert overhead low. */
export const INSERT_CHUNK_BYTES = 2 * 1024 * 1024;

function streamOf(schema: Parameters<RecordBatchStreamWriter["reset"]>[1], batches: readonly RecordBatch[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const batch of batches) writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

/** The end-of-stream marker: continuation token, then a zero metadata length. */
function endsWithEos(ipc: Uint8Array): boolean {
  const n = ipc.byteLength;
  return n >= 8 && ipc[n - 8] === 0xff && ipc[n - 7] === 0xff && ipc[n - 6] === 0xff && ipc[n - 5] === 0xff && ipc[n - 4] === 0 && ipc[n - 3] === 0 && ipc[n - 2] === 0 && ipc[n - 1] === 0;
}

/**
 * `ipc` as complete streams of at most about `maxBytes` of column data each (a record batch is
 * sliced by rows where needed; slices share the buffers, nothing is decoded), all with the same
 * schema: the first creates the table, the rest append. Throws when `ipc` is not an Arrow IPC
 * stream. A complete stream at or under `maxBytes` comes back as is. Every piece ends with the
 * end-of-stream marker: DuckDB-WASM keeps an unfinished stream open on the connection and would
 * continue it with the next insert's bytes (measured: garbage bytes "succeed" silently).
 */
export function ipcChunks(ipc: Uint8Array, maxBytes: number = INSERT_CHUNK_BYTES): Uint8Array[] {
  const table = tableFromIPC(ipc);
  if (ipc.byteLength <= maxBytes && endsWithEos(ipc)) return [ipc];
  if (table.batches.length === 0) return [streamOf(table.schema, [])];
  const chunks: Uint8Array[] = [];
  let pending: RecordBatch[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length > 0) chunks.push(streamOf(table.schema, pending));
    pending = [];
    pendingBytes = 0;
  };
  for (const batch of table.batches) {
    if (batch.numRows === 0) continue;
    const bytes = batch.data.byteLength;
    const bytesPerRow = bytes / batch.numRows;
    const rowsPerChunk = Math.max(1, Math.floor(maxBytes / Math.max(1, bytesPerRow)));
    for (let start = 0; start < batch.numRows; start += rowsPerChunk) {
      const slice = start === 0 && rowsPerChunk >= batch.numRows ? batch : batch.slice(start, Math.min(batch.numRows, start + rowsPerChunk));
      const sliceBytes = slice.numRows * bytesPerRow;
      if (pendingBytes + sliceBytes > maxBytes) flush();
      pending.push(slice);
      pendingBytes += sliceBytes;
    }
  }
  flush();
  return chunks.length > 0 ? chunks : [streamOf(table.schema, [])];
}
