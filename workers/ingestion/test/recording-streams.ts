import { TABLE_NAMES, type TableName } from "@edge-analytics/event-schema";
import type { PipelineBinding } from "../src/adapters.ts";

/** A Pipelines stream binding that keeps every `send` (production's streams are no-ops locally). */
export class RecordingStream implements PipelineBinding {
  readonly sends: object[][] = [];
  async send(records: object[]): Promise<void> {
    this.sends.push(records);
  }
}

/** One recording stream per lake table, as `PipelinesLakeSink` takes them. */
export function recordingStreams(): Record<TableName, RecordingStream> {
  return Object.fromEntries(TABLE_NAMES.map((table) => [table, new RecordingStream()])) as Record<TableName, RecordingStream>;
}
