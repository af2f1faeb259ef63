import { DataClassification } from '../lib';
import { ScopeEntrance } from '../lib/tools';
import { EnvironmentSpec } from './environments';
import { monitoringNamespaceOf, monitoringStackNameOf } from './monitoring';
import { SERVICES, ServiceSpec } from './services';

/** Where the connections into the cardholder-data scope come from: a catalogue service, or the environment's Prometheus. */
export type ScopeSender = { readonly service: string } | { readonly scrapers: true };

/** A connection into the scope that the platform needs (PCI DSS 1.3: only what is necessary), and why. */
export interface ScopeEntranceSpec {
  readonly from: ScopeSender;
  readonly reason: string;
}

/** Every cardholder-data service admits these, and nothing else from outside the scope. */
export const SCOPE_ENTRANCES: readonly ScopeEntranceSpec[] = [
  {
    from: { service: 'api-gateway' },
    reason: 'client API requests, authenticated at the gateway; TLS is terminated at the ingress controller',
  },
  { from: { scrapers: true }, reason: 'Prometheus reads the metrics endpoint (no cardholder data is exported as metrics)' },
];

/** The scope entrances of an environment, for its output folder: every sender to every cardholder-data service. */
export function scopeEntrancesFor(env: EnvironmentSpec, services: readonly ServiceSpec[] = SERVICES): ScopeEntrance[] {
  const prometheus = `${monitoringNamespaceOf(env)}/prometheus-${monitoringStackNameOf(env)}`;
  const sender = (from: ScopeSender) => ('service' in from ? `${env.namespace}/${from.service}` : prometheus);
  return services.filter((s) => s.dataClassification === DataClassification.CARDHOLDER).flatMap((target) =>
    SCOPE_ENTRANCES.map((entrance) => ({ from: sender(entrance.from), to: `${env.namespace}/${target.name}`, reason: entrance.reason })));
}
