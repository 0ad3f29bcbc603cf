import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findCycles,
  findForbiddenImports,
  folderEdges,
  localEdges,
  readImportGraph,
} from './helpers/import-graph.ts';

/**
 * The architecture rules of the house (docs: README's development section):
 * - the core is pure: `lambda/images/`, `lambda/admission/` and `lambda/mappings/` (all but its adapters) import
 *   no AWS SDK, middy, aws-cdk-lib, `aws-lambda` types or `node:http(s)` — not even through another module;
 * - no two modules of `lambda/` and `infra/` import each other, directly or around a longer cycle;
 * - the folders below `lambda/` (and `infra/`) depend one way: no two import each other.
 */
const FORBIDDEN_IN_CORE = /^(?:@aws-sdk\/|@middy\/|aws-cdk-lib(?:\/|$)|aws-lambda$|(?:node:)?https?$)/;

/**
 * The adapters of `lambda/mappings/`, which load documents (SSM, files, the cached source) or write the schema.
 * Every other module there — the document, its rules, combining documents — belongs to the core.
 */
const MAPPINGS_ADAPTERS = ['source', 'ssm', 'file', 'write-schema'].map(
  (name) => `lambda/mappings/${name}.ts`,
);

const isCore = (module: string): boolean =>
  module.startsWith('lambda/images/') ||
  module.startsWith('lambda/admission/') ||
  (module.startsWith('lambda/mappings/') && !MAPPINGS_ADAPTERS.includes(module));

/** Folders whose mutual imports must point one way: `infra`, and each folder below `lambda/`. */
const isPackage = (folder: string): boolean => folder === 'infra' || /^lambda\/[^/]+/.test(folder);

/** Every violation of the rules above in the tree at `root`, one line each, sorted. */
function architectureViolations(root: string): string[] {
  const graph = readImportGraph(root, ['lambda', 'infra']);
  const edges = localEdges(graph, root);
  const forbidden = findForbiddenImports(graph, root, isCore, (s) => FORBIDDEN_IN_CORE.test(s)).map(
    (f) => `core ${f.module} imports ${f.specifier} (via ${f.via.join(' -> ')})`,
  );
  const cycles = findCycles(edges).map((cycle) => `modules import each other: ${cycle.join(', ')}`);
  const folders = findCycles(folderEdges(edges, isPackage)).map(
    (cycle) => `folders import each other: ${cycle.join(', ')}`,
  );
  return [...forbidden, ...cycles, ...folders].sort();
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/architecture', import.meta.url));

describe('architecture', () => {
  it('finds exactly the planted faults in the fixture tree (the check can fail)', () => {
    // Act
    const violations = architectureViolations(FIXTURE);

    // Assess
    expect(violations).toEqual([
      'core lambda/admission/transport.ts imports node:https (via lambda/admission/transport.ts)',
      'core lambda/images/via-adapter.ts imports @aws-sdk/client-ssm (via lambda/images/via-adapter.ts -> lambda/adapter/sdk.ts)',
      'folders import each other: lambda/images, lambda/mappings',
      'modules import each other: lambda/images/cycle-a.ts, lambda/images/cycle-b.ts',
    ]);
  });

  it('holds for lambda/ and infra/', () => {
    expect(architectureViolations(ROOT)).toEqual([]);
  });

  it('knows every mappings adapter it exempts (a renamed file must not keep an exemption it lost)', () => {
    const graph = readImportGraph(ROOT, ['lambda']);
    expect(MAPPINGS_ADAPTERS.filter((module) => !graph.has(module))).toEqual([]);
  });
});
