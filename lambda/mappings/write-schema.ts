/** `npm run schema`: regenerates `mappings.schema.json` (editors' completion) from the zod schema. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mappingsJsonSchema } from './document.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('./mappings.schema.json', import.meta.url));

export const schemaText = (): string => `${JSON.stringify(mappingsJsonSchema(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(SCHEMA_PATH, schemaText());
