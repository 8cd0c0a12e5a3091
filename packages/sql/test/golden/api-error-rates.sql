SELECT blob12 AS path, sum(_sample_interval) AS requests,
  sumIf(_sample_interval, double3 >= 500) AS errors,
  sumIf(_sample_interval, double3 >= 500) / sum(_sample_interval) AS error_rate
FROM analytics_events
WHERE index1 = 'local' AND timestamp > NOW() - INTERVAL '60' MINUTE
  AND blob1 = 'api_request'
GROUP BY path
ORDER BY requests DESC
LIMIT 20
FORMAT JSON
