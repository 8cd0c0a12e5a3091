// Bindings of the `ae-sql-workerd` vitest project (vitest.config.ts); there is no wrangler config.
declare namespace Cloudflare {
  interface Env {
    AE_SQL_CORPUS_STORE: DurableObjectNamespace<import("./worker.ts").AeSqlCorpusStore>;
  }
  interface GlobalProps {
    mainModule: typeof import("./worker.ts");
  }
}

// Vite's transform-time glob import (the subset the corpus test uses).
interface ImportMeta {
  glob<T>(pattern: string, options: { eager: true; import: string }): Record<string, T>;
}
