// Prints the quick info (hover) of identifiers in a file, through the TypeScript language service:
//   node type-budget/hover.mjs <file> <name>...   (run inside packages/client)
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const [file, ...names] = process.argv.slice(2);
const configPath = ts.findConfigFile(path.dirname(path.resolve(file)), ts.sys.fileExists, 'tsconfig.json');
const parsed = ts.parseJsonConfigFileContent(
  ts.readConfigFile(configPath, ts.sys.readFile).config,
  ts.sys,
  path.dirname(configPath),
);
const target = path.resolve(file);
const files = [...new Set([...parsed.fileNames, target])];
const host = {
  getScriptFileNames: () => files,
  getScriptVersion: () => '1',
  getScriptSnapshot: (f) =>
    fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, 'utf8')) : undefined,
  getCurrentDirectory: () => process.cwd(),
  getCompilationSettings: () => parsed.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists,
  readFile: ts.sys.readFile,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
};
const service = ts.createLanguageService(host);
const text = fs.readFileSync(target, 'utf8');
for (const name of names) {
  const match = new RegExp(`\\b(?:const|let) (${name})\\b`).exec(text);
  if (!match) throw new Error(`no declaration of ${name}`);
  const pos = match.index + match[0].length - name.length;
  const info = service.getQuickInfoAtPosition(target, pos);
  const shown = ts.displayPartsToString(info?.displayParts ?? []);
  console.log(`${name} (${shown.length} chars): ${shown}`);
}
