import type { TrackerEventOf } from "./tracker-event.ts";

/** The campaign fields of a page view. */
export type UtmFields = Pick<TrackerEventOf<"page_view">, "utm_source" | "utm_medium" | "utm_campaign">;

const UTM_NAMES = ["utm_source", "utm_medium", "utm_campaign"] as const;
/** The event schema's limit for each UTM field. */
const MAX_UTM_LENGTH = 256;

/**
 * The `utm_source`, `utm_medium` and `utm_campaign` query parameters of a URL; empty or absent
 * ones are left out, long ones cut to the schema's limit rather than rejected with the view.
 */
export function utmParameters(url: string): UtmFields {
  const fields: UtmFields = {};
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return fields;
  }
  for (const name of UTM_NAMES) {
    const value = params.get(name);
    if (value) fields[name] = value.slice(0, MAX_UTM_LENGTH);
  }
  return fields;
}
