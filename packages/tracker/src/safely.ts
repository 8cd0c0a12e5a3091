/**
 * Wraps a function so that nothing it throws reaches the host page: a tracker bug must never
 * break the site that embeds it. The error is logged, never rethrown.
 */
export function safely<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return function guarded(...args: A): void {
    try {
      fn(...args);
    } catch (error) {
      console.warn("edge-analytics:", error);
    }
  };
}
