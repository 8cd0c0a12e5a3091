/**
 * Dashboard filters: one value per field, shown as chips and kept in the URL. A row without a
 * value (direct traffic has no referrer) filters on the field being unset.
 */

/** The page_view fields a breakdown row can filter on, in chip order. */
export const FILTER_FIELDS = ["page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "country", "browser", "os", "device_type", "channel"] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Fields every event type has (the base schema): they also filter the product panels. */
export const CONTEXT_FIELDS: readonly FilterField[] = ["country", "browser", "os", "device_type", "channel"];

/** `null` means "not set". */
export type Filters = Partial<Record<FilterField, string | null>>;

export const FILTER_LABELS: Record<FilterField, string> = {
  page_url: "Page",
  referrer: "Referrer",
  utm_source: "UTM source",
  utm_medium: "UTM medium",
  utm_campaign: "UTM campaign",
  country: "Country",
  browser: "Browser",
  os: "OS",
  device_type: "Device",
  channel: "Channel",
};

export function isFilterField(name: string): name is FilterField {
  return (FILTER_FIELDS as readonly string[]).includes(name);
}

/** The API's filter object (`{ field: { eq } }`, all must hold), or null without filters. */
export function graphqlFilter(filters: Filters, only?: readonly FilterField[]): Record<string, unknown> | null {
  const entries = FILTER_FIELDS.filter((field) => field in filters && (!only || only.includes(field))).map((field) => {
    const value = filters[field];
    return [field, value === null || value === undefined ? { is_set: false } : { eq: value }] as const;
  });
  return entries.length === 0 ? null : Object.fromEntries(entries);
}

/** Filters that do not apply to panels of other event types (they have no such field). */
export function fieldsOutside(filters: Filters, only: readonly FilterField[]): FilterField[] {
  return FILTER_FIELDS.filter((field) => field in filters && !only.includes(field));
}
