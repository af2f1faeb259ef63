// A temporary folder for this run of Jest, shared by its workers (see platform.ts); deleted by
// global-teardown.js. Workers are started after this and inherit the variable.
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = () => {
  process.env.CDK8S_FINTECH_TEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-jest-'));
  // The workers allocate many short-lived objects (YAML, synthesized trees): a larger young
  // generation collects them with less CPU. Workers inherit NODE_OPTIONS; a caller's own setting wins.
  const options = process.env.NODE_OPTIONS ?? '';
  if (!options.includes('--max-semi-space-size')) process.env.NODE_OPTIONS = `${options} --max-semi-space-size=32`.trim();
};
