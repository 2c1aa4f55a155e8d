// The tenants tables in PostgreSQL, and the trigger that tells every instance when a tenant's origins change.
import pg from 'pg';

/** The channel each instance LISTENs on; the payload is the changed origin, or '*' after a TRUNCATE. */
export const CHANNEL = 'tenant_origins_changed';

/** The one query the origin validator runs (also how the test finds it in pg_stat_statements). */
export const LOOKUP_ORIGIN = 'SELECT 1 FROM tenant_origins WHERE origin = $1';

/** DATABASE_URL, e.g. postgres://app@127.0.0.1:5432/app. */
export function databaseUrl() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
    process.exit(2);
  }
  return url;
}

// Every instance runs this at start-up, possibly at the same moment: the advisory lock makes them take turns,
// since two concurrent CREATE ... IF NOT EXISTS can still collide.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tenants (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE
  );
  CREATE TABLE IF NOT EXISTS tenant_origins (
    -- as browsers send it: 'https://acme.example.com', lower-case, no default port, no path, no slash
    origin    text PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
  );

  -- One notification per changed origin: an insert, a delete (also through ON DELETE CASCADE), and both the old
  -- and the new origin of an update. Notifications are sent when the transaction commits, so an instance never
  -- re-reads a row before the change is visible.
  CREATE OR REPLACE FUNCTION notify_tenant_origin_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      PERFORM pg_notify('${CHANNEL}', '*');
      RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM pg_notify('${CHANNEL}', OLD.origin);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.origin IS DISTINCT FROM OLD.origin) THEN
      PERFORM pg_notify('${CHANNEL}', NEW.origin);
    END IF;
    RETURN NULL;
  END
  $$;
  CREATE OR REPLACE TRIGGER tenant_origins_notify
    AFTER INSERT OR UPDATE OR DELETE ON tenant_origins
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_origin_change();
  CREATE OR REPLACE TRIGGER tenant_origins_notify_truncate
    AFTER TRUNCATE ON tenant_origins
    FOR EACH STATEMENT EXECUTE FUNCTION notify_tenant_origin_change();
`;

/** Creates the tables and the trigger if missing, and seeds two tenants when the tables are new. */
export async function ensureSchema(client) {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('cors-example tenant schema'))");
    const { rows } = await client.query("SELECT to_regclass('tenant_origins') IS NULL AS fresh");
    await client.query(SCHEMA);
    if (rows[0].fresh) {
      await addTenant(client, 'Acme', 'https://acme.example.com');
      await addTenant(client, 'Globex', 'https://globex.example.net');
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Adds an origin to a tenant (created if new); false when the origin was already a tenant's. */
export async function addTenant(client, name, origin) {
  const { rows } = await client.query(
    'INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id',
    [name],
  );
  const inserted = await client.query('INSERT INTO tenant_origins (origin, tenant_id) VALUES ($1, $2) ON CONFLICT (origin) DO NOTHING', [
    origin,
    rows[0].id,
  ]);
  return inserted.rowCount === 1;
}

/** Removes an origin, and its tenant once it has none left; false when it was no tenant's. */
export async function removeTenantOrigin(client, origin) {
  const { rows } = await client.query('DELETE FROM tenant_origins WHERE origin = $1 RETURNING tenant_id', [origin]);
  if (rows.length === 0) return false;
  await client.query('DELETE FROM tenants t WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM tenant_origins o WHERE o.tenant_id = t.id)', [
    rows[0].tenant_id,
  ]);
  return true;
}

/** Refuses an origin written otherwise than browsers send it (it would never match). */
export function checkOrigin(origin) {
  let normalised;
  try {
    normalised = new URL(origin).origin;
  } catch {
    normalised = 'null';
  }
  if (normalised === 'null' || normalised !== origin) {
    console.error(`write the origin as browsers send it${normalised === 'null' ? '' : `: ${normalised}`}`);
    process.exit(2);
  }
}

/** Runs `work` with one connection, in a transaction, for the command-line scripts. */
export async function withTransaction(work) {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await ensureSchema(client);
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
