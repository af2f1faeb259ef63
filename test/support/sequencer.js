// Longest test files first, so that the two workers end together instead of one waiting for a
// long file started last. Jest's own order uses the durations of earlier runs on this machine;
// a fresh checkout (CI) has none and would fall back to file size, which says little here (the
// slow files are short ones that start servers or run kubectl, promtool and Python).
const Sequencer = require('@jest/test-sequencer').default;

/** Seconds each file took on two idle cores, where it is not in Jest's cache yet (rounded; order is what matters). */
const EXPECTED_SECONDS = [
  [/backup-integration-postgres\.test\.ts$/, 12],
  [/backup-integration-encrypted\.test\.ts$/, 11],
  [/yaml\.test\.ts$/, 9],
  [/platform\.test\.ts$/, 8],
  [/monitoring-platform\.test\.ts$/, 8],
  [/resource-diff\.test\.ts$/, 7],
  [/backup-integration-failures\.test\.ts$/, 7],
  [/kustomize\.test\.ts$/, 6],
  [/backup-integration-redis\.test\.ts$/, 5],
  [/monitoring-promtool\.test\.ts$/, 5],
  [/dist-schema\.test\.ts$/, 4],
  [/release-guard\.test\.ts$/, 4],
  [/backup-cron-job\.test\.ts$/, 4],
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
