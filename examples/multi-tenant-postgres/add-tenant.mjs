// Adds a tenant's origin: DATABASE_URL=... node multi-tenant-postgres/add-tenant.mjs <name> <origin>
// The trigger notifies every running instance, which forgets its cached refusal: the origin is allowed at once.
import { addTenant, checkOrigin, withTransaction } from './tenants.mjs';

const [name, origin] = process.argv.slice(2);
if (!name || !origin) {
  console.error('usage: node multi-tenant-postgres/add-tenant.mjs <name> <origin>   e.g. Initech https://initech.example.org');
  process.exit(2);
}
checkOrigin(origin);
const added = await withTransaction((client) => addTenant(client, name, origin));
console.log(added ? `added ${name} (${origin})` : `${origin} is already a tenant's`);
