// analytics-catalog: what the lake holds (tables, partitions, files, schema versions) and what it costs. Its issue fills in /catalog/* (admin key).
// Today it answers GET /health only.
import { healthOnlyWorker } from "@edge-analytics/worker-kit";

export default healthOnlyWorker("analytics-catalog");
