// The tenants table, in an embedded SQLite database (better-sqlite3).
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/** Where the database lives: TENANTS_DB, or tenants.db next to this file. */
export const DEFAULT_DB_PATH = fileURLToPath(new URL('./tenants.db', import.meta.url));

/** Opens (and creates if needed) the database, and seeds the first two tenants once. */
export function openTenants(path = process.env.TENANTS_DB ?? DEFAULT_DB_PATH) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL'); // the server reads while add-tenant.mjs writes
  db.exec(`
    CREATE TABLE IF NOT EXISTS tenants (
      id     INTEGER PRIMARY KEY,
      name   TEXT NOT NULL,
      origin TEXT NOT NULL UNIQUE -- as browsers send it: 'https://acme.example.com', no path, no slash
    )
  `);
  const seed = db.prepare('INSERT OR IGNORE INTO tenants (name, origin) VALUES (?, ?)');
  seed.run('Acme', 'https://acme.example.com');
  seed.run('Globex', 'https://globex.example.net');
  return db;
}

/** Adds a tenant; returns false if its origin was already there. */
export function addTenant(db, name, origin) {
  return db.prepare('INSERT OR IGNORE INTO tenants (name, origin) VALUES (?, ?)').run(name, origin).changes === 1;
}
