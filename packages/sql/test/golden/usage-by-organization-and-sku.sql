SELECT blob11 AS organization_id, blob12 AS sku, blob13 AS unit,
  sum(_sample_interval * double3) AS quantity, sum(_sample_interval) AS events
FROM analytics_events
WHERE index1 = 'local' AND timestamp > NOW() - INTERVAL '1440' MINUTE
  AND blob1 = 'usage'
GROUP BY organization_id, sku, unit
ORDER BY organization_id ASC, sku ASC
FORMAT JSON
