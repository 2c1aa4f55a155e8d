// Adds a tenant row: node multi-tenant/add-tenant.mjs <name> <origin>
// A running server allows the new origin once its cached answer for it expires (TENANT_CACHE_TTL).
import { addTenant, openTenants } from './tenants.mjs';

const [name, origin] = process.argv.slice(2);
if (!name || !origin) {
  console.error('usage: node multi-tenant/add-tenant.mjs <name> <origin>   e.g. Initech https://initech.example.org');
  process.exit(2);
}
const normalised = new URL(origin).origin; // what browsers send: lower-case host, no default port, no path
if (normalised !== origin) {
  console.error(`write the origin as browsers send it: ${normalised}`);
  process.exit(2);
}
const db = openTenants();
console.log(addTenant(db, name, origin) ? `added ${name} (${origin})` : `${origin} is already a tenant`);
db.close();
