// Parses Mermaid diagrams with the real Mermaid parser, for ramcheck's tests.
//
//   node .ci/mermaid/check.mjs MODULES FILE...
//
// MODULES is the node_modules folder that .ci/mermaid/install fills. For each FILE, prints one
// line of JSON: {"file", "vertices": [{"id", "text", "classes"}], "edges": [{"start", "end",
// "text"}]} with each text as written in the source (entity codes kept), or {"file", "error"}.
// Exits 1 when any file fails to parse, or exceeds Mermaid's default text or edge limits.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [given, ...files] = process.argv.slice(2);
const modules = given && resolve(given);
if (!given || files.length === 0) {
  console.error('usage: node check.mjs MODULES FILE...');
  process.exit(2);
}
// Mermaid's sanitizer (DOMPurify) needs a DOM, even only to parse.
const { JSDOM } = createRequire(join(modules, 'noop.js'))('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import(
  pathToFileURL(join(modules, 'mermaid', 'dist', 'mermaid.core.mjs')).href
);
mermaid.initialize({ startOnLoad: false });
const config = mermaid.mermaidAPI.getConfig();

// While parsing, Mermaid replaces `#name;` and `#123;` by markers; put the source back.
const source = (text) =>
  String(text ?? '').replaceAll('ﬂ°°', '#').replaceAll('ﬂ°', '#').replaceAll('¶ß', ';');

let failed = false;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  try {
    if (text.length > config.maxTextSize) {
      throw new Error(`${text.length} characters, more than maxTextSize ${config.maxTextSize}`);
    }
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const edges = diagram.db.getEdges();
    if (edges.length > config.maxEdges) {
      throw new Error(`${edges.length} edges, more than maxEdges ${config.maxEdges}`);
    }
    const vertices = [...diagram.db.getVertices().values()].map((v) => ({
      id: v.id,
      text: source(v.text),
      classes: v.classes,
    }));
    console.log(JSON.stringify({
      file,
      vertices,
      edges: edges.map((e) => ({ start: e.start, end: e.end, text: source(e.text) })),
    }));
  } catch (e) {
    failed = true;
    console.log(JSON.stringify({ file, error: String(e?.message ?? e) }));
  }
}
process.exit(failed ? 1 : 0);
