/**
 * The site the browser test visits: a tiny single-page app served from Node's `http` on
 * 127.0.0.1 and a free port, embedding the tracker with the one-line snippet. Every path answers
 * the same page (as an SPA's server does), whatever the Host: Chromium maps other host names to
 * 127.0.0.1 (`--host-resolver-rules`), so the same server is also the disallowed origin
 * `http://evil.test:PORT` and the outbound link's target.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The running page server. */
export interface TestPages {
  port: number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** The titles the page's router shows per path. */
export const PAGE_TITLES = { "/": "Landing", "/pricing": "Pricing" } as const;

/** The custom event the page queues in the stub before the tracker has loaded. */
export const STUB_EVENT = { name: "stub_call", properties: { queued: true } } as const;

/**
 * The page: the documented stub (calls before the tracker loads are queued and replayed), the
 * one-line snippet, links to an SPA route and to another host, and a router that handles the
 * route links with `history.pushState` and sets the title after it, as SPA routers do.
 */
function page(stackOrigin: string, outboundHref: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${PAGE_TITLES["/"]}</title>
<script>
  window.edgeAnalytics = window.edgeAnalytics || { q: [] };
  ["track", "identify", "page", "flush"].forEach(function (method) {
    window.edgeAnalytics[method] = window.edgeAnalytics[method] || function () {
      window.edgeAnalytics.q.push([method].concat([].slice.call(arguments)));
    };
  });
  edgeAnalytics.track(${JSON.stringify(STUB_EVENT.name)}, ${JSON.stringify(STUB_EVENT.properties)});
</script>
<script defer data-key="local-pub-key" src="${stackOrigin}/tracker.js"></script>
<style>body { font: 16px system-ui, sans-serif; margin: 2rem; } nav a { margin-right: 1rem; }</style>
</head>
<body>
<nav>
  <a href="/" data-route>Home</a>
  <a href="/pricing" data-route>Pricing</a>
  <a id="outbound" href="${outboundHref}">Partner site</a>
</nav>
<main><h1 id="heading"></h1><p id="note"></p></main>
<script>
  var titles = ${JSON.stringify(PAGE_TITLES)};
  function render() {
    document.title = titles[location.pathname] || "Not found";
    document.getElementById("heading").textContent = document.title;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link) return;
    if (link.id === "outbound") {
      // Keeps the test on this page; the tracker has seen the click in the capture phase.
      event.preventDefault();
      document.getElementById("note").textContent = "Outbound click recorded: " + link.href;
    } else if (link.hasAttribute("data-route")) {
      event.preventDefault();
      history.pushState({}, "", link.getAttribute("href"));
      render();
    }
  });
  window.addEventListener("popstate", render);
  render();
</script>
</body>
</html>
`;
}

/**
 * Starts the page server. `outboundHost` is the host name of the outbound link (mapped to
 * 127.0.0.1 by the browser), on the same port.
 */
export async function startTestPages(stackOrigin: string, outboundHost: string): Promise<TestPages> {
  let html = "";
  const server = createServer(function servePage(request, response) {
    if (request.method !== "GET" || request.url === "/favicon.ico") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  html = page(stackOrigin, `http://${outboundHost}:${port}/partner`);
  return {
    port,
    close: () =>
      new Promise<void>((closed, failed) => {
        server.closeAllConnections();
        server.close((error) => (error ? failed(error) : closed()));
      }),
  };
}
