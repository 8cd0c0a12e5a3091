SELECT blob11 AS page_url, sum(_sample_interval) AS views, count(DISTINCT blob3) AS sessions
FROM analytics_events
WHERE index1 = 'local' AND timestamp > NOW() - INTERVAL '1440' MINUTE
  AND blob1 = 'page_view' AND double1 = 0
GROUP BY page_url
ORDER BY views DESC
LIMIT 10
FORMAT JSON
