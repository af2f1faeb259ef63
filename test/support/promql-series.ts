import { parser } from '@prometheus-io/lezer-promql';

/**
 * The series a PromQL expression reads, found by Prometheus' own PromQL grammar
 * (`@prometheus-io/lezer-promql`, the parser of the Prometheus web UI), not by our own reading.
 */

/** One label matcher of a vector selector. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** One vector selector: the metric name it reads and its label matchers. */
export interface SeriesSelector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  /** The selector as written. */
  readonly text: string;
}

/** Every vector selector of `expr` (in range vectors and subqueries too). Throws when `expr` does not parse. */
export function seriesSelectors(expr: string): SeriesSelector[] {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const selectors: SeriesSelector[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name !== 'VectorSelector') return;
      const text = expr.slice(node.from, node.to);
      let metric: string | undefined;
      const matchers: LabelMatcher[] = [];
      const identifier = node.node.getChild('Identifier');
      if (identifier) metric = expr.slice(identifier.from, identifier.to);
      const list = node.node.getChild('LabelMatchers');
      for (const m of list ? list.getChildren('UnquotedLabelMatcher') : []) {
        const name = m.getChild('LabelName');
        const op = m.getChild('MatchOp');
        const value = m.getChild('StringLiteral');
        if (!name || !op || !value) throw new Error(`cannot read the matcher ${expr.slice(m.from, m.to)} of ${text}`);
        const matcher = {
          name: expr.slice(name.from, name.to),
          op: expr.slice(op.from, op.to) as LabelMatcher['op'],
          value: stringValue(expr.slice(value.from, value.to)),
        };
        if (matcher.name === '__name__' && matcher.op === '=') metric = matcher.value;
        else matchers.push(matcher);
      }
      if (list && list.getChildren('QuotedLabelMatcher').length + list.getChildren('QuotedLabelName').length > 0) {
        throw new Error(`quoted label names are not read by this check: ${text}`);
      }
      if (metric === undefined) throw new Error(`the selector ${text} names no metric (a regex on __name__ cannot be checked)`);
      selectors.push({ metric, matchers, text });
    },
  });
  if (errors.length > 0) throw new Error(`PromQL does not parse: ${expr}\n${errors.join('\n')}`);
  return selectors;
}

/** The value of a PromQL string literal ("...", '...' with Go escapes, or `...` raw). */
function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" } as Record<string, string>)[c] ?? `\\${c}`);
}
