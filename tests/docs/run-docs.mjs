// The documentation, tested: every code block of README.md and docs/*.md runs as written
// against the built package, every intra-doc and cross-doc link resolves, the README's API
// listing matches the package's types, and the package metadata is complete.
//
//   node tests/docs/run-docs.mjs        (after bash scripts/build-wasm.sh; prints "N passed, N failed")
//
// Code blocks (fenced with ```), by the language after the fence:
// - js, javascript, mjs: written to a temporary folder as an ES module and run with `node`,
//   one process per block, in that folder (a block may write files there). The folder has
//   node_modules/rope-wasm -> this repository (so `import ... from 'rope-wasm'` resolves
//   through package.json's "exports" to dist/index.js, as in an installed copy) and
//   node_modules/@huggingface -> the repository's (the package's own dependency, which an
//   install brings along). A block passes when it exits with status 0 and prints no
//   "Assertion failed" (what a false console.assert prints in Node; console.assert is used
//   because it works unchanged in browsers too).
// - ts, typescript: type-checked with the repository's tsc (node_modules/.bin/tsc, --strict,
//   against the package's .d.ts), then the emitted JavaScript is run as above. The README's
//   API listing (the ts block under "## API", declarations only) is also compared with the
//   package's dist/index.d.ts: every name the .d.ts exports must be declared in the listing,
//   with a type that the package's is assignable to and back (so a missing, extra or retyped
//   member fails), and every runtime export of dist/index.js must be named in it.
// - json: parsed with JSON.parse.
// - sh, bash, shell, console, text, and blocks with no language (commands, output, trees):
//   not run; they document commands (npm install, npm test, ...) and what they print.
// - any other language: a failure (say how to treat it here first).
// A js/ts block that genuinely cannot run in Node (browser-only code, a bundler config
// fragment) carries a visible mark on the last non-blank line before its fence:
//   <!-- not-run: why, and what covers it instead -->
// Marked blocks are counted and listed, never run; a mark without a reason, or a mark before a
// block that is not js/ts, is a failure. An unmarked block that does not run is a failure.
//
// Links: every [text](#anchor), [text](file.md) and [text](file.md#anchor) outside code must
// name an existing file and a heading in it, by GitHub's slug rules (lowercase; punctuation
// other than '-' and '_' dropped; each space becomes '-'; repeats get -1, -2, ...). http(s)
// links are not fetched.
//
// Package: LICENSE is MIT as package.json says, and is in `npm pack --dry-run`'s file list;
// package.json has repository, bugs and homepage.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docFiles = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const RUN = new Set(['js', 'javascript', 'mjs']);
const TS = new Set(['ts', 'typescript']);
const NOT_RUN = new Set(['sh', 'bash', 'shell', 'console', 'text', '']);
const MARK = /^<!--\s*not-run:(.*)-->\s*$/;
const TSC = path.join(root, 'node_modules/.bin/tsc');
const TSC_FLAGS = ['--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
  '--lib', 'es2022,dom,esnext.disposable', '--skipLibCheck'];

let passed = 0;
let failed = 0;
const counts = { run: 0, typechecked: 0, json: 0, marked: 0, notRunByRule: 0 };
const marks = [];

function pass(what) {
  passed++;
  console.log(`ok    ${what}`);
}
function failure(what, detail = '') {
  failed++;
  console.log(`FAIL  ${what}${detail ? `\n${detail.trimEnd().replace(/^/gm, '      ')}` : ''}`);
}

// ----------------------------------------------------------------------- Markdown parsing

// Fenced blocks (``` or ~~~, at any indent, so none in a list item is missed) with their language, first line,
// text (the fence's indent removed), the heading they sit under and a not-run mark if any.
function parseMarkdown(file) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks = [];
  const headings = [];
  const prose = [];
  let open = null;
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open) {
      const close = /^(\s*)(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[2][0] === open.fence[0] && close[2].length >= open.fence.length) {
        blocks.push(open);
        open = null;
      } else {
        open.code.push(line.startsWith(open.indent) ? line.slice(open.indent.length) : line.trimStart());
      }
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (fence) {
      let j = i - 1;
      while (j >= 0 && lines[j].trim() === '') j--;
      const mark = j >= 0 ? MARK.exec(lines[j].trim()) : null;
      open = { file, line: i + 1, indent: fence[1], fence: fence[2], lang: fence[3].toLowerCase(), code: [], heading,
        mark: mark ? mark[1].trim() : null };
      continue;
    }
    const h = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      heading = h[2];
      headings.push({ level: h[1].length, text: h[2] });
    }
    prose.push({ line: i + 1, text: line });
  }
  if (open) failure(`${file}:${open.line}`, 'code block is never closed');
  return { blocks: blocks.map((b) => ({ ...b, code: b.code.join('\n') + '\n' })), headings, prose };
}

// GitHub's heading anchors (github-slugger over the heading's rendered text).
function slugs(headings) {
  const seen = new Map();
  const out = new Set();
  for (const { text } of headings) {
    const rendered = text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '').replace(/<[^>]+>/g, '');
    const base = rendered.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

// ----------------------------------------------------------------------- running blocks

function makeSandbox() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rope-docs-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules/rope-wasm'), 'dir');
  fs.symlinkSync(path.join(root, 'node_modules/@huggingface'), path.join(dir, 'node_modules/@huggingface'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"docs-sandbox","private":true,"type":"module"}\n');
  return dir;
}

function runModule(dir, file) {
  const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  if (r.error) return `could not run: ${r.error.message}\n${output}`;
  if (r.status !== 0) return `exit status ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${output}`;
  if (/Assertion failed/.test(r.stderr)) return `a console.assert failed\n${output}`;
  return null;
}

function runJs(block, id) {
  const dir = makeSandbox();
  try {
    fs.writeFileSync(path.join(dir, `${id}.mjs`), block.code);
    return runModule(dir, `${id}.mjs`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function tsc(dir, files, emit, extra = []) {
  const args = [...TSC_FLAGS, ...extra, ...(emit ? ['--outDir', 'out'] : ['--noEmit']), ...files];
  const r = spawnSync(TSC, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `could not run tsc: ${r.error.message}`;
  if (r.status === 0) return null;
  const out = `${r.stdout}${r.stderr}`.trimEnd().split('\n');
  return `tsc ${args.join(' ')}\n${out.slice(0, 30).join('\n')}${out.length > 30 ? `\n... (${out.length - 30} more lines)` : ''}`;
}

function runTs(block, id) {
  const dir = makeSandbox();
  try {
    fs.writeFileSync(path.join(dir, `${id}.ts`), block.code);
    const err = tsc(dir, [`${id}.ts`], true);
    if (err) return err;
    return runModule(dir, `out/${id}.js`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The README's API listing against dist/index.d.ts and dist/index.js (see the header).
async function checkApiListing(block) {
  const problems = [];
  const dts = fs.readFileSync(path.join(root, 'dist/index.d.ts'), 'utf8');
  const exported = [...dts.matchAll(/^export\s+(?:declare\s+)?(interface|type|function|class|const|let|enum)\s+(\w+)/gm)]
    .map((m) => ({ kind: m[1], name: m[2] }))
    .filter((e, i, all) => all.findIndex((x) => x.name === e.name) === i);
  const declared = new Set([...block.code.matchAll(/^\s*(?:declare\s+)?(?:interface|type|function|class|const|let|enum)\s+(\w+)/gm)].map((m) => m[1]));
  for (const e of exported) if (!declared.has(e.name)) problems.push(`dist/index.d.ts exports ${e.kind} ${e.name}; the README's API listing does not declare it`);
  for (const name of declared) if (!exported.some((e) => e.name === name)) problems.push(`the README's API listing declares ${name}, which dist/index.d.ts does not export`);
  const runtime = Object.keys(await import(path.join(root, 'dist/index.js')));
  for (const name of runtime) if (!declared.has(name)) problems.push(`dist/index.js exports ${name}; the README's API listing does not declare it`);
  if (problems.length) return problems.join('\n');
  // Mutual assignability, compiled with the listing as a global script beside the package types.
  const dir = makeSandbox();
  try {
    fs.writeFileSync(path.join(dir, 'listing.ts'), block.code);
    const lines = [
      "import type * as Pkg from 'rope-wasm';",
      'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
      ...exported.map((e, i) => e.kind === 'function' || e.kind === 'const' || e.kind === 'let'
        ? `export const f${i}: Same<typeof Pkg.${e.name}, typeof ${e.name}> = true;`
        : `export const t${i}: Same<Pkg.${e.name}, ${e.name}> = true;`),
    ];
    fs.writeFileSync(path.join(dir, 'api-check.ts'), lines.join('\n') + '\n');
    // moduleDetection legacy: the listing (no import or export) is a global script, whose
    // declarations api-check.ts sees.
    const err = tsc(dir, ['listing.ts', 'api-check.ts'], false, ['--moduleDetection', 'legacy']);
    if (!err) return null;
    // api-check.ts line 3 + i checks exported[i]; name the types whose check failed.
    const differ = [...new Set([...err.matchAll(/api-check\.ts\((\d+),\d+\): error TS2322/g)].map((m) => exported[Number(m[1]) - 3]?.name))];
    return `the README's API listing differs from dist/index.d.ts${differ.length ? ` in: ${differ.join(', ')} (a type that uses a differing one differs too)` : ''}\n${err}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ----------------------------------------------------------------------- main

const parsed = new Map(docFiles.map((f) => [f, parseMarkdown(f)]));

let apiListings = 0;
for (const [file, { blocks }] of parsed) {
  blocks.forEach((block, index) => {
    block.id = `${file.replace(/\W+/g, '_')}_${index}`;
  });
  for (const block of blocks) {
    const where = `${file}:${block.line} \`\`\`${block.lang}`;
    const runnable = RUN.has(block.lang) || TS.has(block.lang);
    if (block.mark !== null) {
      if (!runnable) failure(where, 'a not-run mark before a block that is not js/ts (only js/ts blocks are run; remove the mark)');
      else if (block.mark === '') failure(where, 'a not-run mark needs a reason: <!-- not-run: why, and what covers it -->');
      else {
        counts.marked++;
        marks.push(`${where}: ${block.mark}`);
      }
      continue;
    }
    if (RUN.has(block.lang)) {
      counts.run++;
      const err = runJs(block, block.id);
      if (err) failure(`${where} (run)`, err);
      else pass(`${where} (run)`);
    } else if (TS.has(block.lang)) {
      counts.typechecked++;
      const err = runTs(block, block.id);
      if (err) failure(`${where} (tsc --strict, run)`, err);
      else pass(`${where} (tsc --strict, run)`);
      if (file === 'README.md' && block.heading === 'API') {
        apiListings++;
        const apiErr = await checkApiListing(block);
        if (apiErr) failure(`${where} (API listing = dist/index.d.ts)`, apiErr);
        else pass(`${where} (API listing = dist/index.d.ts, names every export of dist/index.js)`);
      }
    } else if (block.lang === 'json') {
      counts.json++;
      try {
        JSON.parse(block.code);
        pass(`${where} (JSON.parse)`);
      } catch (e) {
        failure(`${where} (JSON.parse)`, e.message);
      }
    } else if (NOT_RUN.has(block.lang)) {
      counts.notRunByRule++;
    } else {
      failure(where, `a block in a language this test does not know ("${block.lang}"): teach tests/docs/run-docs.mjs how to treat it`);
    }
  }
}
if (apiListings !== 1) failure('README.md "## API"', `expected one ts block (the API listing) under "## API", found ${apiListings}`);
if (counts.run + counts.typechecked === 0) failure('code blocks', 'no js/ts block found: the Markdown parsing is broken');

// Links.
let links = 0;
for (const [file, { prose }] of parsed) {
  for (const { line, text } of prose) {
    const outsideCode = text.replace(/`[^`]*`/g, '');
    for (const m of outsideCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      links++;
      const where = `${file}:${line} link ${target}`;
      const [filePart, anchor] = target.split('#');
      const targetFile = filePart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
      if (!fs.existsSync(path.join(root, targetFile))) {
        failure(where, `no file ${targetFile}`);
        continue;
      }
      if (anchor === undefined) {
        pass(where);
        continue;
      }
      const doc = parsed.get(targetFile) ?? (targetFile.endsWith('.md') ? parseMarkdown(targetFile) : null);
      if (!doc) {
        failure(where, `${targetFile} is not Markdown; an anchor in it cannot be checked`);
        continue;
      }
      const known = slugs(doc.headings);
      if (known.has(anchor)) pass(where);
      else failure(where, `${targetFile} has no heading with the anchor #${anchor}; its anchors: ${[...known].join(' ')}`);
    }
  }
}
if (links === 0) failure('links', 'no link found: the link parsing is broken');

// Package metadata and the LICENSE in the tarball.
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const license = fs.existsSync(path.join(root, 'LICENSE')) ? fs.readFileSync(path.join(root, 'LICENSE'), 'utf8') : '';
if (pkg.license === 'MIT' && /^MIT License\n\nCopyright \(c\) 2026 rope-wasm contributors\n/.test(license) &&
    license.includes('Permission is hereby granted, free of charge')) pass('LICENSE: MIT, as package.json says');
else failure('LICENSE', `package.json license ${pkg.license}; LICENSE ${license ? 'is not the MIT text with "Copyright (c) 2026 rope-wasm contributors"' : 'is missing'}`);
const repo = 'https://github.com/rope-wasm/rope-wasm';
const meta = [
  ['repository', JSON.stringify(pkg.repository), JSON.stringify({ type: 'git', url: `git+${repo}.git` })],
  ['bugs', JSON.stringify(pkg.bugs), JSON.stringify({ url: `${repo}/issues` })],
  ['homepage', JSON.stringify(pkg.homepage), JSON.stringify(`${repo}#readme`)],
];
for (const [key, got, want] of meta) {
  if (got === want) pass(`package.json ${key}`);
  else failure(`package.json ${key}`, `got ${got}, want ${want}`);
}
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const files = packed[0].files.map((f) => f.path);
  const missing = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', ...docFiles.filter((f) => f.startsWith('docs/'))].filter((f) => !files.includes(f));
  if (missing.length === 0) pass(`npm pack --dry-run ships LICENSE, README.md and docs (${files.length} files)`);
  else failure('npm pack --dry-run', `missing from the tarball: ${missing.join(', ')}`);
} catch (e) {
  failure('npm pack --dry-run', e.message);
}

console.log('');
for (const m of marks) console.log(`not run (marked): ${m}`);
console.log(`code blocks: ${counts.run} js run, ${counts.typechecked} ts type-checked and run, ${counts.json} json parsed, ` +
  `${counts.marked} marked not-run, ${counts.notRunByRule} sh/text not run by rule; ${links} links checked`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
