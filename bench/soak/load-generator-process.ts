/**
 * Process entry of the soak's load generator: `node --import tsx bench/soak/load-generator-process.ts
 * '<GeneratorConfig as JSON>'`. Prints the generator's lines as JSON, one per line, on stdout.
 */
import { runGenerator, type GeneratorConfig } from './load-generator.js';

const config = JSON.parse(process.argv[2] ?? '{}') as GeneratorConfig;
await runGenerator(config, (line) => process.stdout.write(`${JSON.stringify(line)}\n`));
