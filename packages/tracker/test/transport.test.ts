import { describe, expect, it } from "vitest";
import { createTransport, type TransportEnvironment } from "../src/transport.ts";
import type { TrackerEvent } from "../src/tracker-event.ts";

const ENDPOINT = "https://a.example/events?key=pk";
const EVENTS: TrackerEvent[] = [{ type: "custom", name: "signup", session_id: "s" }];

function fakeEnvironment(options: { beacon?: boolean; status?: number; fail?: boolean } = {}) {
  const beacons: { url: string; body: string }[] = [];
  const fetches: { url: string; init: RequestInit }[] = [];
  const environment: TransportEnvironment = {
    fetch: async (url, init) => {
      fetches.push({ url, init });
      if (options.fail) throw new TypeError("Failed to fetch");
      return { status: options.status ?? 202 };
    },
  };
  if (options.beacon !== undefined) {
    environment.sendBeacon = (url, body) => {
      beacons.push({ url, body });
      return options.beacon === true;
    };
  }
  return { environment, beacons, fetches };
}

describe("createTransport", () => {
  it("posts {events} as a plain string (text/plain: no CORS preflight) with keepalive and no cookies", async () => {
    const { environment, fetches } = fakeEnvironment({ beacon: true });
    expect(await createTransport(ENDPOINT, environment)(EVENTS, false)).toBe(true);
    expect(fetches).toEqual([
      { url: ENDPOINT, init: { method: "POST", body: JSON.stringify({ events: EVENTS }), keepalive: true, credentials: "omit" } },
    ]);
    const init = fetches[0]?.init;
    expect(typeof init?.body).toBe("string");
    expect(init?.headers).toBeUndefined();
    // What a browser does with a string body: the content type is the safelisted text/plain.
    expect(new Request(ENDPOINT, { method: "POST", body: init?.body ?? null }).headers.get("content-type")).toBe("text/plain;charset=UTF-8");
  });

  it("uses sendBeacon when the page is leaving", async () => {
    const { environment, beacons, fetches } = fakeEnvironment({ beacon: true });
    expect(await createTransport(ENDPOINT, environment)(EVENTS, true)).toBe(true);
    expect(beacons).toEqual([{ url: ENDPOINT, body: JSON.stringify({ events: EVENTS }) }]);
    expect(fetches).toEqual([]);
  });

  it("falls back to a keepalive fetch when the beacon is refused or missing", async () => {
    for (const beacon of [false, undefined]) {
      const { environment, fetches } = fakeEnvironment(beacon === undefined ? {} : { beacon });
      await createTransport(ENDPOINT, environment)(EVENTS, true);
      expect(fetches).toHaveLength(1);
      expect(fetches[0]?.init.keepalive).toBe(true);
    }
  });

  it("asks for a retry on network errors, 429 and 5xx, never on other answers", async () => {
    const cases: [{ status?: number; fail?: boolean }, boolean][] = [
      [{ status: 202 }, true],
      [{ status: 400 }, true],
      [{ status: 401 }, true],
      [{ status: 403 }, true],
      [{ status: 413 }, true],
      [{ status: 429 }, false],
      [{ status: 500 }, false],
      [{ status: 503 }, false],
      [{ fail: true }, false],
    ];
    for (const [options, done] of cases) {
      expect(await createTransport(ENDPOINT, fakeEnvironment(options).environment)(EVENTS, false), JSON.stringify(options)).toBe(done);
    }
  });
});
