// Reads every BPMN file named on the command line with bpmn-moddle (one process) and prints
// {"<file>": ["warning", ...], ...} as JSON. Copied next to the npm cache's node_modules.
import { readFile } from 'node:fs/promises';
import { BpmnModdle } from 'bpmn-moddle';

const result = {};
for (const file of process.argv.slice(2)) {
  const xml = await readFile(file, 'utf8');
  try {
    const { warnings } = await new BpmnModdle().fromXML(xml);
    result[file] = warnings.map((w) => w.message);
  } catch (err) {
    result[file] = [`failed to read: ${err.message}`];
  }
}
process.stdout.write(JSON.stringify(result));
