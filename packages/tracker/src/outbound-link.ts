/**
 * The link's URL when following it leaves the site: an http(s) URL on another host (host name
 * and port) than the page's. `mailto:`, `tel:`, `javascript:` and same-host links are not
 * outbound; neither is anything that does not parse.
 */
export function outboundHref(href: string, pageHost: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  return url.host === pageHost ? undefined : url.href;
}
