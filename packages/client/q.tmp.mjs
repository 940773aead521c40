import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
const target = path.resolve(process.argv[2]);
const configPath = ts.findConfigFile(path.dirname(target), ts.sys.fileExists, 'tsconfig.json');
const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, path.dirname(configPath));
const program = ts.createProgram([target], parsed.options);
const checker = program.getTypeChecker();
const sf = program.getSourceFile(target);
function visit(n) {
  if (ts.isCallExpression(n)) {
    const sig = checker.getResolvedSignature(n);
    const m = sig?.mapper;
    console.log(checker.signatureToString(sig, undefined, ts.TypeFormatFlags.NoTruncation).slice(-900));
  }
  ts.forEachChild(n, visit);
}
visit(sf);
