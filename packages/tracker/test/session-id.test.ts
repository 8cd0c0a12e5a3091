import { describe, expect, it } from "vitest";
import { SESSION_STORAGE_KEY, type SessionStore, sessionId } from "../src/session-id.ts";

function memoryStore(initial: Record<string, string> = {}): SessionStore & { items: Record<string, string> } {
  const items = { ...initial };
  return {
    items,
    getItem: (key) => items[key] ?? null,
    setItem: (key, value) => void (items[key] = value),
  };
}

describe("sessionId", () => {
  it("keeps a new id in the store, and reuses it on the next page load", () => {
    const store = memoryStore();
    const first = sessionId(() => store, () => "id-1");
    expect(first).toBe("id-1");
    expect(store.items).toEqual({ [SESSION_STORAGE_KEY]: "id-1" });
    expect(sessionId(() => store, () => "id-2")).toBe("id-1");
  });

  it("keeps it in memory without a store (data-storage=\"none\")", () => {
    expect(sessionId(undefined, () => "id-3")).toBe("id-3");
  });

  it("keeps it in memory when storage is blocked or full", () => {
    const blocked = () => {
      throw new DOMException("The operation is insecure.", "SecurityError");
    };
    expect(sessionId(blocked, () => "id-4")).toBe("id-4");
    const full: SessionStore = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("quota", "QuotaExceededError");
      },
    };
    expect(sessionId(() => full, () => "id-5")).toBe("id-5");
  });
});
