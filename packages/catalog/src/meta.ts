// Small named flags of the catalog (the snapshot's staleness), in `catalog_meta`.
import type { CatalogSql } from "./sql.ts";

/** A flag's value, undefined when never set. */
export function readMeta(sql: CatalogSql, name: string): string | undefined {
  return sql.exec<{ value: string }>("SELECT value FROM catalog_meta WHERE name = ?", name).toArray()[0]?.value;
}

export function writeMeta(sql: CatalogSql, name: string, value: string): void {
  sql.exec("INSERT OR REPLACE INTO catalog_meta (name, value) VALUES (?, ?)", name, value);
}
