import { describe, expect, it } from "vitest";
import { createVisibleTimer } from "../src/visible-timer.ts";

function clock(start = 1000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("createVisibleTimer", () => {
  it("counts visible time only", () => {
    const { now, advance } = clock();
    const timer = createVisibleTimer(now, true);
    advance(3000);
    timer.pause();
    advance(60_000);
    expect(timer.elapsedMs()).toBe(3000);
    timer.resume();
    advance(2500);
    expect(timer.elapsedMs()).toBe(5500);
  });

  it("starts at zero when the page starts hidden (opened in a background tab)", () => {
    const { now, advance } = clock();
    const timer = createVisibleTimer(now, false);
    advance(10_000);
    expect(timer.elapsedMs()).toBe(0);
    timer.resume();
    advance(1200);
    expect(timer.elapsedMs()).toBe(1200);
  });

  it("ignores a second pause or resume", () => {
    const { now, advance } = clock();
    const timer = createVisibleTimer(now, true);
    advance(100);
    timer.resume();
    advance(100);
    timer.pause();
    timer.pause();
    advance(100);
    expect(timer.elapsedMs()).toBe(200);
  });

  it("never goes negative when the clock steps back", () => {
    const { now, advance } = clock();
    const timer = createVisibleTimer(now, true);
    advance(-500);
    expect(timer.elapsedMs()).toBe(0);
  });
});
