/** The privacy signals a browser may expose (`globalPrivacyControl` is not in TypeScript's DOM lib yet). */
export interface PrivacySignals {
  doNotTrack?: string | null;
  globalPrivacyControl?: boolean;
}

/**
 * Whether the visitor asked not to be tracked: Do Not Track (`navigator.doNotTrack === "1"`) or
 * Global Privacy Control (`navigator.globalPrivacyControl === true`). Only consulted when the site
 * opts in with `data-respect-dnt="true"`.
 */
export function optedOut(signals: PrivacySignals): boolean {
  return signals.doNotTrack === "1" || signals.globalPrivacyControl === true;
}
