// Development check, not used at run time or by the tests: prints the ids that the reference JavaScript LLaMA-2
// tokenizer (npm llama-tokenizer-js) gives for each text, so the Java tokenizer can be compared with it and golden
// files can be made for datasets/src/test/resources.
//
// usage: node scripts/data/llama-reference-ids.mjs PATH/TO/package/llama-tokenizer.js < texts.jsonl > ids.jsonl
//   input: one JSON string per line (the text); output: one JSON array of ids per line, BOS first.
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

const modulePath = process.argv[2];
if (!modulePath) {
  console.error('usage: node llama-reference-ids.mjs llama-tokenizer.js < texts.jsonl');
  process.exit(2);
}
const tokenizer = (await import(pathToFileURL(modulePath).href)).default;
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (line.length === 0) continue;
  const text = JSON.parse(line);
  out.push(JSON.stringify(tokenizer.encode(text)));
  if (out.length >= 256) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
}
if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
