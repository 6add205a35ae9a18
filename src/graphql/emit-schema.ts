/** Writes schema/schema.graphql from the code (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printGatewaySchema } from './schema.js';

const target = join(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
writeFileSync(target, printGatewaySchema());
console.log(`wrote ${target}`);
