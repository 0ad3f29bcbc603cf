/**
 * The import graph of a source tree, and the two architecture rules checked over it: the core imports no
 * transport or cloud package, and no two modules import each other (no cycle of any length).
 *
 * Imports are read with TypeScript's own pre-processor (`ts.preProcessFile`), which sees `import`,
 * `import type`, `export … from`, side-effect and dynamic `import()` specifiers and skips comments and strings.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Module (path relative to the root, `/`-separated) → the specifiers it imports, as written. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(?:ts|mts|mjs|js)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry) && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

const toKey = (root: string, path: string): string => relative(root, path).split('\\').join('/');

/** Reads every source file under `root`'s `folders` and the specifiers each imports. */
export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const graph = new Map<string, readonly string[]>();
  for (const folder of folders) {
    for (const file of sourceFiles(join(root, folder))) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      graph.set(
        toKey(root, file),
        info.importedFiles.map((imported) => imported.fileName),
      );
    }
  }
  return graph;
}

/** The module a relative specifier names, when it is in the graph (`./a.ts`, `./a.js` for `a.ts`, `./a`). */
function resolveLocal(graph: ImportGraph, root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = toKey(root, resolve(root, dirname(from), specifier));
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => graph.has(candidate) || existsSync(join(root, candidate)));
}

/** Local module → the local modules it imports. */
export function localEdges(graph: ImportGraph, root: string): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const [from, specifiers] of graph) {
    const targets = specifiers.flatMap((s) => resolveLocal(graph, root, from, s) ?? []);
    edges.set(from, [...new Set(targets.filter((target) => graph.has(target)))]);
  }
  return edges;
}

/**
 * Every cycle, as its strongly connected component (Tarjan): each entry lists the modules, sorted, that
 * reach each other. A module importing itself is a cycle of one.
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (edges.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** A package import the core must not make, with the chain of local modules that leads to it. */
export interface ForbiddenImport {
  /** The core module whose imports reach the package. */
  readonly module: string;
  /** The specifier as written (`@aws-sdk/client-ssm`, `node:http`). */
  readonly specifier: string;
  /** `module`, then each local module on the way, ending with the one that imports `specifier`. */
  readonly via: readonly string[];
}

/**
 * Core modules (`isCore`) whose imports, followed through local modules, reach a forbidden package
 * (`isForbidden`). The shortest chain is reported, one entry per core module and package.
 */
export function findForbiddenImports(
  graph: ImportGraph,
  root: string,
  isCore: (module: string) => boolean,
  isForbidden: (specifier: string) => boolean,
): ForbiddenImport[] {
  const edges = localEdges(graph, root);
  const found: ForbiddenImport[] = [];
  for (const module of [...graph.keys()].filter(isCore).sort()) {
    const seen = new Map<string, readonly string[]>([[module, [module]]]);
    const reported = new Set<string>();
    const queue = [module];
    for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
      const via = seen.get(current) ?? [current];
      for (const specifier of graph.get(current) ?? []) {
        if (isForbidden(specifier) && !reported.has(specifier)) {
          reported.add(specifier);
          found.push({ module, specifier, via });
        }
      }
      for (const next of edges.get(current) ?? []) {
        if (seen.has(next)) continue;
        seen.set(next, [...via, next]);
        queue.push(next);
      }
    }
  }
  return found;
}

/** The folder a module lives in: `lambda/images/rewrite.ts` → `lambda/images`. */
const folderOf = (module: string): string => module.slice(0, module.lastIndexOf('/'));

/**
 * Folder → the other folders its modules import, over the folders `isPackage` accepts (modules elsewhere
 * are left out, e.g. the shared leaf modules at the top of `lambda/`).
 */
export function folderEdges(
  edges: ReadonlyMap<string, readonly string[]>,
  isPackage: (folder: string) => boolean,
): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [from, targets] of edges) {
    const folder = folderOf(from);
    if (!isPackage(folder)) continue;
    const set = folders.get(folder) ?? new Set<string>();
    for (const target of targets) {
      const other = folderOf(target);
      if (other !== folder && isPackage(other)) set.add(other);
    }
    folders.set(folder, set);
  }
  return new Map([...folders].map(([folder, set]) => [folder, [...set].sort()]));
}
