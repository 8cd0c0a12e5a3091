import type { TableName } from "@edge-analytics/event-schema";
import { LAKE_BUCKETS, rawObjectKey } from "./layout.ts";

/**
 * A file the sink has decided to write: which buffered rows (a seq range of one table) go into
 * which object key. It is recorded durably BEFORE the object is written, so that after a crash
 * the same rows are written to the same key again (an overwrite, never a second copy).
 */
export interface PlannedLakeFile {
  table: TableName;
  firstSeq: number;
  lastSeq: number;
  rows: number;
  key: string;
}

/**
 * The durable buffer of accepted rows (the local Pipelines stand-in's SQLite). Its operations are each
 * one transaction; `commitFile` is the only one that forgets rows.
 */
export interface LakeRowBuffer {
  /** Files planned and not yet committed, oldest first: what a crash or a failed step left behind. */
  plannedFiles(): PlannedLakeFile[];
  /** Plans the next file of `table`: its oldest unplanned rows, at most `maxRows`, or undefined when none wait. */
  planFile(table: TableName, maxRows: number, key: string): PlannedLakeFile | undefined;
  /**
   * The rows of a planned file, each in lake column order (`lakeColumns`). May be async: a buffer
   * that shares its thread with appends reads in pages and lets them in between.
   */
  rowsOf(file: PlannedLakeFile): unknown[][] | Promise<unknown[][]>;
  /** Forgets the file's rows and its plan, in one transaction: the last step of a write. */
  commitFile(file: PlannedLakeFile): void;
}

/** Where files go (the `analytics-source` R2 bucket). `put` overwrites. */
export interface LakeObjectWriter {
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/** Tells the catalog a file now exists; idempotent (registering a key twice changes nothing). */
export interface LakeFileRegistry {
  registerFile(bucket: string, key: string): Promise<void>;
}

export type EncodeLakeFile = (table: TableName, rows: unknown[][]) => Uint8Array;

/** One file the sink wrote. */
export interface WrittenLakeFile {
  table: TableName;
  key: string;
  rows: number;
  bytes: number;
}

export interface LakeFileWriterOptions {
  /** At most this many rows per file: bounds the encoder's memory (a Worker has 128 MB). */
  maxRowsPerFile: number;
  /** The instant whose UTC hour partitions a new file (the hour the sink writes it, as Pipelines does). */
  now: () => Date;
  /** A fresh, unique file name (without `.parquet`). */
  newFileId: () => string;
}

/**
 * Writes buffered rows into Parquet files in R2, exactly once. Per file:
 *   1. plan: record (rows, key) durably;        crash → step 2 redoes it with the same rows and key
 *   2. write the object;                          crash → the object is overwritten by the redo
 *   3. register it in the catalog (idempotent);  crash → registered again by the redo: no change
 *   4. commit: forget the rows and the plan in one transaction.
 * Until step 4 the rows stay buffered, so nothing is lost; because step 1 fixes the key, a redo
 * can only overwrite, so nothing is doubled. Files planned earlier are finished first.
 */
export class LakeFileWriter {
  private readonly buffer: LakeRowBuffer;
  private readonly objects: LakeObjectWriter;
  private readonly registry: LakeFileRegistry;
  private readonly encode: EncodeLakeFile;
  private readonly options: LakeFileWriterOptions;

  constructor(ports: { buffer: LakeRowBuffer; objects: LakeObjectWriter; registry: LakeFileRegistry; encode: EncodeLakeFile }, options: LakeFileWriterOptions) {
    this.buffer = ports.buffer;
    this.objects = ports.objects;
    this.registry = ports.registry;
    this.encode = ports.encode;
    this.options = options;
  }

  /** Finishes every planned file, then writes all buffered rows of `tables` (in files of at most maxRowsPerFile). */
  async writeTables(tables: readonly TableName[]): Promise<WrittenLakeFile[]> {
    const written: WrittenLakeFile[] = [];
    for (const planned of this.buffer.plannedFiles()) written.push(await this.finish(planned));
    for (const table of tables) {
      for (;;) {
        const key = rawObjectKey(table, this.options.now(), this.options.newFileId());
        const planned = this.buffer.planFile(table, this.options.maxRowsPerFile, key);
        if (!planned) break;
        written.push(await this.finish(planned));
      }
    }
    return written;
  }

  private async finish(file: PlannedLakeFile): Promise<WrittenLakeFile> {
    const bytes = this.encode(file.table, await this.buffer.rowsOf(file));
    await this.objects.put(file.key, bytes);
    await this.registry.registerFile(LAKE_BUCKETS.source, file.key);
    this.buffer.commitFile(file);
    return { table: file.table, key: file.key, rows: file.rows, bytes: bytes.byteLength };
  }
}
