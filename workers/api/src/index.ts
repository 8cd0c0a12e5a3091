// analytics-api: the GraphQL API over the lake and Analytics Engine, and the dashboard. Its issue fills in /graphql, / and /assets/* (CONTRACT.md).
// Today it answers GET /health only.
import { healthOnlyWorker } from "@edge-analytics/worker-kit";

export default healthOnlyWorker("analytics-api");
