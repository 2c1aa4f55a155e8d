// Removes a tenant's origin: DATABASE_URL=... node multi-tenant-postgres/remove-tenant.mjs <origin>
// The trigger notifies every running instance, which forgets its cached answer: the origin is refused at once,
// not when a TTL runs out.
import { checkOrigin, removeTenantOrigin, withTransaction } from './tenants.mjs';

const [origin] = process.argv.slice(2);
if (!origin) {
  console.error('usage: node multi-tenant-postgres/remove-tenant.mjs <origin>   e.g. https://acme.example.com');
  process.exit(2);
}
checkOrigin(origin);
const removed = await withTransaction((client) => removeTenantOrigin(client, origin));
console.log(removed ? `removed ${origin}` : `${origin} was no tenant's`);
