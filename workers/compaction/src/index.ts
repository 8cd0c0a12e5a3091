// analytics-compaction: merges small Parquet files into target-size ones. Its issue fills in /compact and /compact/* (admin key) and the cron trigger.
// Today it answers GET /health only.
import { healthOnlyWorker } from "@edge-analytics/worker-kit";

export default healthOnlyWorker("analytics-compaction");
