SELECT
  quantileExactWeighted(0.5)(double4, _sample_interval) AS p50_ms,
  quantileExactWeighted(0.95)(double4, _sample_interval) AS p95_ms,
  quantileExactWeighted(0.99)(double4, _sample_interval) AS p99_ms,
  sum(_sample_interval) AS requests
FROM analytics_events
WHERE index1 = 'local' AND timestamp > NOW() - INTERVAL '60' MINUTE
  AND blob1 = 'api_request'
FORMAT JSON
