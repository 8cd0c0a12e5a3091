// Answers kept in the Cache API of the data center that computed them. Keys come from the planner
// (the normalized question and the exact files it read), so a new file or a compaction never
// serves a stale answer; the TTL only bounds how stale `meta.freshness` may look.
import type { AnswerCache, CachedAnswer } from "@edge-analytics/query";

/** How long an answer is kept. */
const ANSWER_TTL_SECONDS = 60;

/** The planner's answer cache over a Workers `Cache` (`caches.default`). */
export function cacheApiAnswers(cache: Cache, ttlSeconds = ANSWER_TTL_SECONDS): AnswerCache {
  // The Cache API keys by URL; this host is never served, it only names the entries.
  const url = (key: string) => `https://answers.analytics-api.internal/v1/${key}`;
  return {
    async get(key) {
      const hit = await cache.match(url(key));
      return hit ? ((await hit.json()) as CachedAnswer) : undefined;
    },
    async put(key, answer) {
      await cache.put(url(key), new Response(JSON.stringify(answer), { headers: { "content-type": "application/json", "cache-control": `max-age=${ttlSeconds}` } }));
    },
  };
}
