SELECT toStartOfInterval(timestamp, INTERVAL '1' MINUTE) AS minute, sum(_sample_interval) AS events
FROM analytics_events
WHERE index1 = 'local' AND timestamp > NOW() - INTERVAL '60' MINUTE
  AND blob1 = 'page_view'
GROUP BY minute
ORDER BY minute ASC
FORMAT JSON
