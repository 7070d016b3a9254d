/** Writes reports/report.schema.json from the zod schema (npm run schema). */
import { writeFileSync } from 'node:fs';
import { reportJsonSchema } from '../reports/schema.js';

const path = new URL('../reports/report.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
