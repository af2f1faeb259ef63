const fs = require('fs');

module.exports = () => {
  const dir = process.env.CDK8S_FINTECH_TEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
