// One lake Parquet file → an Arrow IPC stream for SqlEngine.insertArrow, in workerd: hyparquet
// (pure JS) over range reads, only the requested columns, only the row groups whose statistics
// admit the planner's predicate; Arrow vectors built with makeData (./arrow-vectors.ts); zstd
// pages decompressed by fzstd (pure JS: hyparquet-compressors' index compiles a snappy wasm at
// import, which workerd forbids; packages/lake decodes the same way).
import { type ColumnSpec, type EventType, lakeColumns } from "@edge-analytics/event-schema";
import type { Data, RecordBatch, Schema } from "apache-arrow";
import { decompress as zstdDecompress } from "fzstd";
import { type AsyncBuffer, type ColumnData, type FileMetaData, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { arrowSchemaOf, columnData, type ColumnValues, ipcStreamOf, nullColumnData, recordBatchOf } from "./arrow-vectors.ts";
import { LakeFileError, LakeFileMetadataMismatch } from "./lake-file-error.ts";
import { FOOTER_READ_AHEAD, type ReadStats } from "./r2-async-buffer.ts";
import { canSkipRowGroup, type RowGroupPredicate } from "./row-group-predicate.ts";

/** One file to read: its bytes and the name errors give it. */
export interface LakeFileSource {
  /** The file: `r2AsyncBuffer(...)` in a Worker, one per read; any AsyncBuffer (counted when it has `stats`). */
  readonly file: AsyncBuffer & { readonly stats?: ReadStats; readonly tailBytes?: number };
  /** Names the file in errors (e.g. the R2 key). */
  readonly key?: string;
  /** Where this file keeps a requested column under another name (requested name → the file's), e.g. a dbt mart's. */
  readonly columnNames?: Readonly<Record<string, string>>;
  /** Key-value metadata the file must carry, else `LakeFileMetadataMismatch` (a mart's recorded sources). */
  readonly expectMetadata?: { readonly key: string; readonly value: string };
}

/** What to read of each file. */
export interface LakeReadOptions {
  /** The event type of the files' table (its columns are `lakeColumns(type)`). */
  readonly type: EventType;
  /** Columns to read, in this order (default: all of the table's). */
  readonly columns?: readonly string[];
  /** Skip row groups whose statistics prove no row meets this (default: read all). */
  readonly rowGroups?: RowGroupPredicate;
}

/** What {@link readLakeFile} reads. */
export interface ReadLakeFileOptions extends LakeFileSource, LakeReadOptions {}

/** A lake file as Arrow, with what it cost to read. */
export interface LakeArrow {
  /** Arrow IPC stream: one record batch per row group read (the schema alone when none was). */
  readonly ipc: Uint8Array;
  readonly rows: number;
  readonly rowGroupsRead: number;
  readonly rowGroupsSkipped: number;
  /** Bytes the files' buffers fetched from storage (footer read-ahead included) when they count them, else the column chunks' compressed size. */
  readonly bytesRead: number;
}

/** Footer statistics as comparable values: text decoded, timestamps as epoch-ms numbers. */
const STATISTICS_PARSERS = {
  timestampFromMilliseconds: (value: bigint) => Number(value),
  timestampFromMicroseconds: (value: bigint) => Number(value / 1000n),
  timestampFromNanoseconds: (value: bigint) => Number(value / 1_000_000n),
};

/**
 * Column values as arrow-vectors takes them: text stays UTF-8 bytes (never decoded to be
 * re-encoded), timestamps become epoch-ms bigints whatever unit the writer chose (our writer: ms;
 * Pipelines may write µs).
 */
const DATA_PARSERS = {
  stringFromBytes: (bytes: Uint8Array) => bytes,
  jsonFromBytes: (bytes: Uint8Array) => bytes,
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value / 1000n,
  timestampFromNanoseconds: (value: bigint) => value / 1_000_000n,
};

const COMPRESSORS = {
  ZSTD: (input: Uint8Array, outputLength: number) => zstdDecompress(input, new Uint8Array(outputLength)),
};

/** `properties.<key>`: one key of the `properties` JSON column, as text (see propertyValues). */
const PROPERTY_COLUMN = /^properties\.(.+)$/;

function columnsToRead(type: EventType, names: readonly string[] | undefined, key: string): readonly ColumnSpec[] {
  const all = lakeColumns(type);
  if (!names) return all;
  const byName = new Map(all.map((column) => [column.name, column]));
  return names.map((name) => {
    if (PROPERTY_COLUMN.test(name)) return { name, kind: "string", nullable: true, origin: "base" } satisfies ColumnSpec;
    const column = byName.get(name);
    if (!column) throw new LakeFileError(key, `the ${type} table has no column "${name}"`);
    return column;
  });
}

/** The file column a requested column is read from: `properties.<key>` comes from `properties`; a source may rename. */
function sourceColumn(name: string, columnNames?: Readonly<Record<string, string>>): string {
  if (PROPERTY_COLUMN.test(name)) return columnNames?.properties ?? "properties";
  return columnNames?.[name] ?? name;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * One property's values from the `properties` column's JSON text: strings as they are, numbers
 * and booleans as their JSON text, null when the key is absent (or null). Parsed here, outside
 * DuckDB: DuckDB-WASM in Workers has no JSON extension.
 */
function propertyValues(json: ColumnValues, key: string): ColumnValues {
  const values = new Array<Uint8Array | null>(json.length);
  for (let row = 0; row < json.length; row++) {
    const text = json[row];
    let value: unknown = null;
    if (text instanceof Uint8Array || typeof text === "string") {
      try {
        const parsed: unknown = JSON.parse(typeof text === "string" ? text : utf8.decode(text));
        if (typeof parsed === "object" && parsed !== null && Object.hasOwn(parsed, key)) value = (parsed as Record<string, unknown>)[key];
      } catch {
        // Not JSON (never written by the lake's writers): the key is absent.
      }
    }
    values[row] = value === null || value === undefined ? null : utf8Encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
  }
  return values;
}

/** Values of one column over rows [start, end) from hyparquet's chunks, in row order. */
function concatChunks(chunks: ColumnData[], start: number, end: number): ColumnValues {
  chunks.sort((a, b) => a.rowStart - b.rowStart);
  const only = chunks[0];
  if (chunks.length === 1 && only && only.rowStart === start && only.rowEnd === end) return only.columnData;
  const values = new Array<unknown>(end - start);
  for (const chunk of chunks) {
    for (let row = Math.max(chunk.rowStart, start); row < Math.min(chunk.rowEnd, end); row++) {
      values[row - start] = chunk.columnData[row - chunk.rowStart];
    }
  }
  return values;
}

function compressedBytes(metadata: FileMetaData, group: number, names: ReadonlySet<string>): number {
  let bytes = 0;
  for (const chunk of metadata.row_groups[group]?.columns ?? []) {
    const name = chunk.meta_data?.path_in_schema[0];
    if (name !== undefined && names.has(name)) bytes += Number(chunk.meta_data?.total_compressed_size ?? 0);
  }
  return bytes;
}

/** One file's record batches and what they cost. */
interface DecodedFile {
  readonly batches: RecordBatch[];
  readonly rows: number;
  readonly rowGroupsSkipped: number;
  readonly bytesRead: number;
}

async function decodeLakeFile(
  source: LakeFileSource,
  type: EventType,
  columns: readonly ColumnSpec[],
  schema: Schema,
  rowGroups: RowGroupPredicate | undefined,
): Promise<DecodedFile> {
  const { file } = source;
  const key = source.key ?? "lake file";

  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file, {
      parsers: STATISTICS_PARSERS,
      initialFetchSize: Math.min(file.byteLength, file.tailBytes ?? FOOTER_READ_AHEAD),
    });
  } catch (error) {
    throw new LakeFileError(key, `not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (source.expectMetadata) {
    const { key: name, value } = source.expectMetadata;
    const found = metadata.key_value_metadata?.find((entry) => entry.key === name)?.value;
    if (found !== value) throw new LakeFileMetadataMismatch(key, `its ${name} is ${found ?? "absent"}, expected ${value}`);
  }
  const inFile = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  const fileColumn = (name: string) => sourceColumn(name, source.columnNames);
  for (const column of columns) {
    if (!inFile.has(fileColumn(column.name)) && !column.nullable) throw new LakeFileError(key, `the file lacks the non-null ${type} column "${fileColumn(column.name)}"`);
  }
  const present = [...new Set(columns.map((column) => fileColumn(column.name)).filter((name) => inFile.has(name)))];
  const presentSet = new Set(present);

  const batches: RecordBatch[] = [];
  let rows = 0;
  let rowGroupsSkipped = 0;
  let chunkBytes = 0;
  let groupStart = 0;
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const rowGroup = metadata.row_groups[group]!;
    const groupRows = Number(rowGroup.num_rows);
    const start = groupStart;
    const end = groupStart + groupRows;
    groupStart = end;
    if (groupRows === 0) continue;
    if (rowGroups && canSkipRowGroup(rowGroup, rowGroups)) {
      rowGroupsSkipped++;
      continue;
    }
    const chunks = new Map<string, ColumnData[]>(present.map((name) => [name, []]));
    if (present.length > 0) {
      try {
        await parquetRead({
          file,
          metadata,
          columns: present,
          rowStart: start,
          rowEnd: end,
          compressors: COMPRESSORS,
          parsers: DATA_PARSERS,
          onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk),
        });
      } catch (error) {
        throw new LakeFileError(key, `row group ${group}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    const values = new Map<string, ColumnValues>();
    const valuesOf = (name: string) => {
      let columnValues = values.get(name);
      if (!columnValues) values.set(name, (columnValues = concatChunks(chunks.get(name)!, start, end)));
      return columnValues;
    };
    const data: Data[] = columns.map((column) => {
      const from = fileColumn(column.name);
      if (!presentSet.has(from)) return nullColumnData(column.kind, groupRows);
      const property = PROPERTY_COLUMN.exec(column.name)?.[1];
      return columnData(column.kind, property === undefined ? valuesOf(from) : propertyValues(valuesOf(from), property));
    });
    batches.push(recordBatchOf(schema, data, groupRows));
    rows += groupRows;
    chunkBytes += compressedBytes(metadata, group, presentSet);
  }
  // Everything the buffer fetched, its footer read-ahead included (a buffer serves one read).
  return { batches, rows, rowGroupsSkipped, bytesRead: file.stats ? file.stats.bytesRead : chunkBytes };
}

/**
 * Decodes lake Parquet files of one event type into one Arrow IPC stream for DuckDB (one
 * relation, as a planner loads the files of a question): the requested columns only, the row
 * groups `rowGroups` admits only, the files one after another (one record batch per row group
 * read). Columns a file predates (columns are only ever added) come back as nulls; a non-null
 * column missing from a file is an error. Timestamps become TIMESTAMP(ms) without a zone (UTC by
 * convention: see arrow-vectors.ts), text and JSON Utf8. Throws `LakeFileError` naming the file's
 * `key` when one cannot be read.
 * @example
 * const files = await Promise.all(refs.map(async (ref) => ({ key: ref.key, file: await r2AsyncBuffer(env.SOURCE_BUCKET, ref.key, ref.bytes) })));
 * const lake = await readLakeFiles(files, { type: "page_view", columns: ["timestamp", "page_url"], rowGroups: { timestamp: { gte: from, lt: to }, project_id: { in: [projectId] } } });
 * await engine.insertArrow("raw_page_views", lake.ipc);
 */
export async function readLakeFiles(files: readonly LakeFileSource[], options: LakeReadOptions): Promise<LakeArrow> {
  const columns = columnsToRead(options.type, options.columns, files[0]?.key ?? "lake files");
  const schema = arrowSchemaOf(columns);
  const batches: RecordBatch[] = [];
  let rows = 0;
  let rowGroupsSkipped = 0;
  let bytesRead = 0;
  // One file at a time: each file's reads are coalesced by hyparquet, and only one file's decoded
  // JS arrays are alive at once.
  for (const source of files) {
    const decoded = await decodeLakeFile(source, options.type, columns, schema, options.rowGroups);
    batches.push(...decoded.batches);
    rows += decoded.rows;
    rowGroupsSkipped += decoded.rowGroupsSkipped;
    bytesRead += decoded.bytesRead;
  }
  return { ipc: ipcStreamOf(schema, batches), rows, rowGroupsRead: batches.length, rowGroupsSkipped, bytesRead };
}

/**
 * Decodes one lake Parquet file into Arrow IPC for DuckDB: {@link readLakeFiles} of one file.
 * @example
 * const file = await r2AsyncBuffer(env.SOURCE_BUCKET, key, bytes);
 * const lake = await readLakeFile({ file, key, type: "page_view", columns: ["timestamp", "page_url"], rowGroups: { timestamp: { gte: from, lt: to } } });
 * await engine.insertArrow("page_views", lake.ipc);
 */
export function readLakeFile(options: ReadLakeFileOptions): Promise<LakeArrow> {
  return readLakeFiles([{ file: options.file, ...(options.key === undefined ? {} : { key: options.key }) }], options);
}
