import { DurableObject } from "cloudflare:workers";

/**
 * The projects that have a journal. Journals are addressed by project name, and a service-binding
 * caller may name any project, so `POST /admin/flush` cannot derive the list from the API keys:
 * each journal records its project here once, before its first append.
 */
export class JournalDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS journals (project TEXT PRIMARY KEY) WITHOUT ROWID");
  }

  async add(project: string): Promise<void> {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO journals (project) VALUES (?)", project);
  }

  async list(): Promise<string[]> {
    return this.ctx.storage.sql.exec<{ project: string }>("SELECT project FROM journals ORDER BY project").toArray().map((row) => row.project);
  }
}
