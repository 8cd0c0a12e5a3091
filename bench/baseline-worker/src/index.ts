// Baseline for the ingestion benchmark (bench/ingestion-throughput.mjs): reads the body, parses
// the JSON and answers 202 {"accepted": n}, where n is the length of `events`. No validation, no
// storage: what is left of a request once ingestion's own work is taken away.
// Written against the DOM lib only so the root tsconfig (which includes bench/) type-checks it.

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ok", { status: 200 });
    const body = JSON.parse(await request.text()) as { events?: unknown };
    const accepted = Array.isArray(body.events) ? body.events.length : 1;
    return new Response(JSON.stringify({ accepted }), { status: 202, headers: { "content-type": "application/json" } });
  },
};
