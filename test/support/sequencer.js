// Longest test files first, so that the two workers end together instead of one waiting for a
// long file started last. Jest's own order uses the durations of earlier runs on this machine;
// a fresh checkout (CI) has none and would fall back to file size, which says little here (the
// slow files are short ones that start servers or run kubectl, promtool and Python).
const Sequencer = require('@jest/test-sequencer').default;

/** Rough seconds per file on two idle cores (measured), used while Jest has no timing of its own; only the order matters. */
const EXPECTED_SECONDS = [
  [/\/test\/backup-integration-encrypted\.test\.ts$/, 12],
  [/\/test\/backup-integration-postgres\.test\.ts$/, 12],
  [/\/test\/backup-integration-failures\.test\.ts$/, 9],
  [/\/test\/backup-cron-job\.test\.ts$/, 8],
  [/\/test\/resource-diff\.test\.ts$/, 6],
  [/\/test\/monitoring-promtool\.test\.ts$/, 6],
  [/\/test\/backup-integration-redis\.test\.ts$/, 5],
  [/\/test\/platform\.test\.ts$/, 4],
  [/\/test\/release-guard\.test\.ts$/, 4],
  [/\/test\/monitoring-platform\.test\.ts$/, 4],
  [/\/test\/monitoring-series\.test\.ts$/, 4],
  [/\/test\/gitops\.test\.ts$/, 3],
  [/\/test\/yaml\.test\.ts$/, 3],
  [/\/test\/kustomize\.test\.ts$/, 3],
];

class LongestFirst extends Sequencer {
  sort(tests) {
    const size = new Map(tests.map((t) => [t.path, t.context.hasteFS.getSize(t.path) ?? 0]));
    const expected = (test) => {
      const cached = this.time(test);
      if (cached != null) return cached / 1000;
      const known = EXPECTED_SECONDS.find(([pattern]) => pattern.test(test.path.split('\\').join('/')));
      return known ? known[1] : 0;
    };
    const estimate = new Map(tests.map((t) => [t.path, expected(t)]));
    return [...tests].sort((a, b) =>
      Number(this.hasFailed(b)) - Number(this.hasFailed(a))
      || estimate.get(b.path) - estimate.get(a.path)
      || size.get(b.path) - size.get(a.path));
  }
}

module.exports = LongestFirst;
