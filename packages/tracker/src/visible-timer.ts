/** Counts the time a page is visible, paused while it is hidden. */
export interface VisibleTimer {
  /** The page was hidden: stop counting. */
  pause(): void;
  /** The page is visible again: count from now. */
  resume(): void;
  /** Milliseconds counted so far. */
  elapsedMs(): number;
}

/**
 * A timer of visible time: a tab left open in the background would otherwise report hours on a
 * page nobody looked at. Pausing twice or resuming twice changes nothing.
 */
export function createVisibleTimer(now: () => number, visible: boolean): VisibleTimer {
  let counted = 0;
  let since: number | undefined = visible ? now() : undefined;
  return {
    pause() {
      if (since !== undefined) counted += Math.max(0, now() - since);
      since = undefined;
    },
    resume() {
      if (since === undefined) since = now();
    },
    elapsedMs() {
      return counted + (since === undefined ? 0 : Math.max(0, now() - since));
    },
  };
}
