
/** The `sessionStorage` key holding the session id. */
export const SESSION_STORAGE_KEY = "edge-analytics:session";

/** Where the session id is kept between page loads of one tab. */
export type SessionStore = Pick<Storage, "getItem" | "setItem">;

/**
 * The session id without cookies: kept in `sessionStorage`, so it lasts as long as the tab and is
 * never sent anywhere but in the events. `store` is a function because merely reading
 * `window.sessionStorage` throws where storage is blocked; then, or without a store
 * (`data-storage="none"`), the id lives in memory for this page load only.
 */
export function sessionId(store: (() => SessionStore) | undefined, newId: () => string): string {
  try {
    if (store) {
      const storage = store();
      const existing = storage.getItem(SESSION_STORAGE_KEY);
      if (existing) return existing;
      const id = newId();
      storage.setItem(SESSION_STORAGE_KEY, id);
      return id;
    }
  } catch {
    // Storage blocked or full: fall through to an id in memory.
  }
  return newId();
}
