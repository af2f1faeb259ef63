import { App, Chart } from 'cdk8s';
import { FintechService, FintechServiceProps } from '../../lib';

export const NAMESPACE = 'fintech-test';
export const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';

/** GIVEN an app with one namespaced chart `prod`. */
export function newChart(): Chart {
  return new Chart(new App(), 'prod', { namespace: NAMESPACE });
}

/** A service named `payments` with the minimum props, plus `overrides`. */
export function paymentsService(overrides: Partial<FintechServiceProps> = {}, chart = newChart()): FintechService {
  return new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ...overrides });
}

/** The synthesized objects of the chart that holds `scope`, validations included. */
export function synth(chart: Chart): any[] {
  return chart.toJson();
}

/** The one object of `kind` (and `name`, when given) in `objects`; fails when there is not exactly one. */
export function only(objects: any[], kind: string, name?: string): any {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` '${name}'` : ''}, found ${matches.length}`);
  return matches[0];
}

export function kinds(objects: any[]): string[] {
  return objects.map((o) => o.kind).sort();
}
