// CPU profiles of a Worker under `wrangler dev`, through the DevTools protocol that wrangler
// exposes with `--inspector-port` (startWranglerDev({ inspector: true })). The Worker's Durable
// Objects run in the same isolate, so one profile covers the Worker and its objects.
//
// wrangler serves the Worker as ONE esbuild bundle; esbuild starts each bundled module with a
// `// path/to/module.ts` comment, so samples are mapped back to the module they ran in.

/**
 * A minimal DevTools protocol client over the WebSocket of `<inspectorOrigin>/json`.
 * @param {string} inspectorOrigin e.g. http://127.0.0.1:9229
 */
export async function connectInspector(inspectorOrigin) {
  const targets = await (await fetch(`${inspectorOrigin}/json`)).json();
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target at ${inspectorOrigin}/json`);
  // wrangler's inspector proxy wants an Origin it allows (localhost) from clients that send a User-Agent.
  const socket = new WebSocket(url, /** @type {any} */ ({ headers: { Origin: "http://localhost" } }));
  await new Promise((done, fail) => {
    socket.addEventListener("open", done, { once: true });
    socket.addEventListener("error", () => fail(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let nextId = 1;
  /** @type {Map<number, { done: (v: any) => void, fail: (e: Error) => void, needsResult: boolean }>} */
  const pending = new Map();
  /** @type {((message: any) => void)[]} */
  const listeners = [];
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      // Through wrangler's proxy, commands without a result (Profiler.enable, ...) come back as an
      // echo of the command: `{ id, method, params }`. Only a command that needs a result waits on.
      if (!waiter || (!("result" in message) && !("error" in message) && waiter.needsResult)) return;
      pending.delete(message.id);
      if (message.error) waiter.fail(new Error(`${message.error.message} (${message.error.code})`));
      else waiter.done(message.result ?? {});
    } else {
      for (const listener of listeners) listener(message);
    }
  });
  return {
    /**
     * @param {string} method
     * @param {Record<string, unknown>} [params]
     * @param {{ needsResult?: boolean, timeoutMs?: number }} [options]
     * @returns {Promise<any>}
     */
    send(method, params = {}, { needsResult = false, timeoutMs = 60_000 } = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((done, fail) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          fail(new Error(`inspector: no answer to ${method} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const settle = (f) => (v) => {
          clearTimeout(timer);
          f(v);
        };
        pending.set(id, { done: settle(done), fail: settle(fail), needsResult });
      });
    },
    /** @param {(message: any) => void} listener */
    on(listener) {
      listeners.push(listener);
    },
    close() {
      socket.close();
    },
  };
}

/**
 * Starts sampling; `stop()` ends it and resolves with the analysed profile.
 * @param {string} inspectorOrigin
 * @param {{ samplingIntervalUs?: number }} [options]
 */
export async function startCpuProfile(inspectorOrigin, { samplingIntervalUs = 200 } = {}) {
  const inspector = await connectInspector(inspectorOrigin);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await inspector.send("Profiler.start");
  return {
    async stop() {
      const { profile } = await inspector.send("Profiler.stop", {}, { needsResult: true });
      // Only now (sampling is over) enable the debugger, to read the bundle's source for module names.
      const scripts = new Map();
      inspector.on((m) => {
        if (m.method === "Debugger.scriptParsed") scripts.set(m.params.scriptId, m.params.url);
      });
      await inspector.send("Debugger.enable");
      /** @type {Map<string, (line: number) => string>} */
      const moduleOf = new Map();
      for (const scriptId of new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"))) {
        try {
          const { scriptSource } = await inspector.send("Debugger.getScriptSource", { scriptId }, { needsResult: true, timeoutMs: 15_000 });
          moduleOf.set(scriptId, moduleLocator(scriptSource));
        } catch {
          // not a script we can read (e.g. a runtime-internal one)
        }
      }
      await inspector.send("Debugger.disable").catch(() => {});
      await inspector.send("Profiler.disable").catch(() => {});
      inspector.close();
      return analyseProfile(profile, (frame) => moduleOf.get(frame.scriptId)?.(frame.lineNumber) ?? (frame.url || "(native)"));
    },
  };
}

/** Maps a 0-based line of an esbuild bundle to the module it came from (from `// path` comments). */
function moduleLocator(source) {
  const starts = [];
  const lines = source.split("\n");
  lines.forEach((line, index) => {
    const match = /^\/\/ ((?:\.\.\/)*(?:node_modules|packages|workers|bench|src)\/\S+\.[cm]?[jt]sx?)$/.exec(line);
    if (match) starts.push({ index, path: match[1].replace(/^(\.\.\/)+/, "") });
  });
  return (line) => {
    let found = "(bundle prelude)";
    for (const start of starts) {
      if (start.index > line) break;
      found = start.path;
    }
    return found;
  };
}

/** Groups a module path into a package or a first-party file. */
export function bucketOf(modulePath) {
  const nodeModule = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(modulePath);
  if (nodeModule) return nodeModule[1] ?? modulePath;
  return modulePath;
}

/**
 * Self time per function and per module, and inclusive time per function (each function counted
 * once per sample however deep its recursion).
 * @param {{ nodes: any[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} profile
 * @param {(frame: any) => string} moduleOfFrame
 */
export function analyseProfile(profile, moduleOfFrame) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node) => {
    const f = node.callFrame;
    const name = f.functionName || "(anonymous)";
    if (!f.scriptId || f.scriptId === "0") return { fn: name, module: name.startsWith("(") ? name : "(native)" };
    return { fn: name, module: moduleOfFrame(f) };
  };
  /** @type {Map<string, number>} */ const selfByFunction = new Map();
  /** @type {Map<string, number>} */ const selfByModule = new Map();
  /** @type {Map<string, number>} */ const inclusiveByFunction = new Map();
  /** @type {Map<string, number>} */ const inclusiveByModule = new Map();
  let total = 0;
  let idle = 0;
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; attribute the time after it to the sample instead.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(id);
    if (!leaf) return;
    const { fn, module } = keyOf(leaf);
    if (fn === "(idle)") {
      idle += us;
      return;
    }
    total += us;
    add(selfByFunction, `${fn}  [${module}]`, us);
    add(selfByModule, bucketOf(module), us);
    const seenFn = new Set();
    const seenModule = new Set();
    for (let node = leaf; node; node = byId.get(parent.get(node.id))) {
      const k = keyOf(node);
      const fk = `${k.fn}  [${k.module}]`;
      if (!seenFn.has(fk)) {
        seenFn.add(fk);
        add(inclusiveByFunction, fk, us);
      }
      const mk = bucketOf(k.module);
      if (!seenModule.has(mk)) {
        seenModule.add(mk);
        add(inclusiveByModule, mk, us);
      }
    }
  });
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([key, us]) => ({ key, ms: us / 1000, share: total ? us / total : 0 }));
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: total / 1000,
    idleMs: idle / 1000,
    selfByFunction: sorted(selfByFunction),
    selfByModule: sorted(selfByModule),
    inclusiveByFunction: sorted(inclusiveByFunction),
    inclusiveByModule: sorted(inclusiveByModule),
  };
}
