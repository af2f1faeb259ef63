import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { DATA_CLASSIFICATION_LABEL, DataClassification, OWNER_LABEL } from '../lib/data-classification';
import { FintechEnvironment } from '../lib/environment';
import { FintechService } from '../lib/fintech-service';
import { NetworkPeer } from '../lib/network-peer';
import { analyseSegmentation, cidrContains, NetworkModel, ScopeEntrance, segmentationMarkdown } from '../lib/segmentation';
import { objectsOf, synthesize, synthesizeFolders } from '../lib/synth';
import { planDelivery } from '../lib/delivery';
import { segmentationReport } from '../main';
import { ENVIRONMENTS, monitoringNamespaceOf, monitoringStackNameOf, scopeEntrancesFor } from '../platform';
import { platformOutput, platformSegmentation } from './support/platform';

// Semantics from the Kubernetes documentation (concepts/services-networking/network-policies):
// a pod is isolated for ingress/egress once a policy selecting it lists that direction in
// policyTypes (which defaults to Ingress, plus Egress when the policy has egress rules); the
// allowed traffic is then the union of the selecting policies' rules; a connection needs both the
// sender's egress and the receiver's ingress; namespaceSelector and podSelector in ONE peer are
// ANDed, two peers are ORed; a rule without `from`/`to` admits every peer, one without `ports`
// every port; a named port is resolved on the destination pod's container ports.

const NS = 'shop';

function namespace(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function deployment(name: string, labels: Record<string, string>, ports: { containerPort: number; name?: string }[] = [{ containerPort: 8080, name: 'http' }], ns = NS) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name, image: 'x:1', ports }] } } },
  };
}

function policy(name: string, spec: any, ns = NS) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

const defaultDeny = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const cardholder = { [DATA_CLASSIFICATION_LABEL]: 'cardholder' };

function ports(objects: any[], from: string, to: string): string[] {
  const model = new NetworkModel(objects);
  const endpoint = (id: string) => model.endpoints.find((e) => e.id === id)!;
  return model.allowedPorts(endpoint(from), endpoint(to));
}

describe('NetworkModel', () => {
  test('without any policy every pod reaches every port of every other pod', () => {
    const objects = [deployment('a', {}), deployment('b', {})];
    expect(ports(objects, 'shop/a', 'shop/b')).toEqual(['TCP/8080']);
  });

  test('default deny blocks; an ingress rule alone is not enough while the sender is egress-isolated', () => {
    const allowIn = policy('b-in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] });
    expect(ports([defaultDeny, deployment('a', {}), deployment('b', {})], 'shop/a', 'shop/b')).toEqual([]);
    expect(ports([defaultDeny, allowIn, deployment('a', {}), deployment('b', {})], 'shop/a', 'shop/b')).toEqual([]);
    const allowOut = policy('a-out', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 'http' }] }] });
    expect(ports([defaultDeny, allowIn, allowOut, deployment('a', {}), deployment('b', {})], 'shop/a', 'shop/b')).toEqual(['TCP/8080']);
  });

  test('policyTypes defaults to Ingress (plus Egress only when egress rules are given)', () => {
    const ingressOnly = policy('b', { podSelector: { matchLabels: { app: 'b' } }, ingress: [] });
    expect(ports([ingressOnly, deployment('a', {}), deployment('b', {})], 'shop/a', 'shop/b')).toEqual([]);
    expect(ports([ingressOnly, deployment('a', {}), deployment('b', {})], 'shop/b', 'shop/a')).toEqual(['TCP/8080']);
  });

  test('namespaceSelector and podSelector in one peer are ANDed; in two peers ORed', () => {
    const and = policy('b', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } }, podSelector: { matchLabels: { app: 'a' } } }] }] });
    const or = policy('b', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }, { podSelector: { matchLabels: { app: 'a' } } }] }] });
    const objects = (p: any) => [namespace(NS), namespace('other', { team: 'x' }), p, deployment('a', {}, undefined, 'other'), deployment('c', {}, undefined, 'other'), deployment('b', {})];
    expect(ports(objects(and), 'other/a', 'shop/b')).toEqual(['TCP/8080']);
    expect(ports(objects(and), 'other/c', 'shop/b')).toEqual([]);
    expect(ports(objects(or), 'other/c', 'shop/b')).toEqual(['TCP/8080']);
  });

  test('a rule without ports admits every port the destination listens on; with ports only those', () => {
    const two = [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'metrics' }];
    const any = policy('b', { podSelector: {}, ingress: [{}] });
    const onePort = policy('b', { podSelector: {}, ingress: [{ ports: [{ port: 9090, protocol: 'TCP' }] }] });
    expect(ports([any, deployment('a', {}), deployment('b', {}, two)], 'shop/a', 'shop/b')).toEqual(['TCP/8080', 'TCP/9090']);
    expect(ports([onePort, deployment('a', {}), deployment('b', {}, two)], 'shop/a', 'shop/b')).toEqual(['TCP/9090']);
  });

  test('matchExpressions are honoured', () => {
    const p = policy('b', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } }] }] });
    expect(ports([p, deployment('a', { tier: 'web' }), deployment('b', {})], 'shop/a', 'shop/b')).toEqual(['TCP/8080']);
    expect(ports([p, deployment('a', { tier: 'db' }), deployment('b', {})], 'shop/a', 'shop/b')).toEqual([]);
  });

  test('cidrContains', () => {
    expect(cidrContains('10.0.0.0/8', '10.20.0.0/16')).toBe(true);
    expect(cidrContains('10.20.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('0.0.0.0/0', '192.168.1.1/32')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.0/8')).toBe(false);
  });
});

describe('analyseSegmentation', () => {
  // GIVEN a gateway admitted by the payments (cardholder) service, which the web front end can reach.
  const objects: any[] = [
    namespace(NS), defaultDeny,
    deployment('web', {}), deployment('gateway', {}), deployment('payments', cardholder), deployment('reports', {}),
    policy('web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'gateway' } } }] }] }),
    policy('gateway', {
      podSelector: { matchLabels: { app: 'gateway' } }, policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'payments' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    }),
    policy('payments', {
      podSelector: { matchLabels: { app: 'payments' } }, policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'gateway' } } }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/24' } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    }),
  ];

  test('an undeclared edge into the scope fails, naming both ends and the ports', () => {
    const result = analyseSegmentation('prod', objects);
    expect(result.inScope.map((e) => e.id)).toEqual(['shop/payments']);
    expect(result.violations).toEqual([
      'prod: shop/gateway can reach the cardholder-data service shop/payments (TCP/8080), and this connection is not declared: ' +
      'remove the network peer, or declare it as a scope entrance with a reason' +
      " (the folder's scopeEntrances: { from: 'shop/gateway', to: 'shop/payments', reason: '...' })",
    ]);
  });

  test('a declared edge passes, and whoever reaches the scope through it is reported with the path', () => {
    const result = analyseSegmentation('prod', objects, [{ from: 'shop/gateway', to: 'shop/payments', reason: 'card payments API' }]);
    expect(result.violations).toEqual([]);
    expect(result.entrances.map((e) => [e.from.id, e.to.id, e.reason])).toEqual([['shop/gateway', 'shop/payments', 'card payments API']]);
    expect(result.indirect.map((i) => [i.from.id, ...i.path.map((e) => e.id)])).toEqual([['shop/web', 'shop/gateway', 'shop/payments']]);
    expect(result.externalDestinations.map((e) => [e.from.id, e.to.id, e.ports])).toEqual([['shop/payments', '10.20.0.0/24', ['TCP/5432']]]);
    expect(segmentationMarkdown([result])).toContain('| shop/gateway | shop/payments | TCP/8080 | card payments API |');
  });

  test('an in-scope workload that may send to any address fails', () => {
    const open = objects.map((o) => (o.metadata.name === 'payments' && o.kind === 'NetworkPolicy'
      ? policy('payments', { ...o.spec, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 5432, protocol: 'TCP' }] }] })
      : o));
    const result = analyseSegmentation('prod', open, [{ from: 'shop/gateway', to: 'shop/payments', reason: 'card payments API' }]);
    expect(result.violations).toEqual([
      'prod: the cardholder-data service shop/payments may send to any address (0.0.0.0/0, TCP/5432): external peers of cardholder-data services must name their CIDRs',
    ]);
  });

  test('a declaration the policies do not need is reported as unused', () => {
    const result = analyseSegmentation('prod', objects, [
      { from: 'shop/gateway', to: 'shop/payments', reason: 'card payments API' },
      { from: 'shop/reports', to: 'shop/payments', reason: 'nightly export' },
    ]);
    expect(result.unusedDeclarations).toEqual([{ from: 'shop/reports', to: 'shop/payments', reason: 'nightly export' }]);
  });
});

describe('the cardholder-data scope of FintechServices', () => {
  // GIVEN a gateway in front of a cardholder-data service, both FintechServices.
  function shop(entrances: ScopeEntrance[], paymentsEgress: NetworkPeer[] = [], waves = true) {
    const app = new App();
    const chart = new Chart(app, 'shop', { namespace: NS });
    new FintechEnvironment(chart, 'env', {
      namespace: NS, quota: { requestsCpu: Cpu.units(8), requestsMemory: Size.gibibytes(16), limitsCpu: Cpu.units(16), limitsMemory: Size.gibibytes(32) },
    });
    const payments = new FintechService(chart, 'payments', {
      image: 'registry.example.com/payments:1.0.0', port: 8080, dataClassification: DataClassification.CARDHOLDER, owner: 'payments',
      egressTo: paymentsEgress,
    });
    const gateway = new FintechService(chart, 'gateway', { image: 'registry.example.com/gateway:1.0.0', port: 8000, egressTo: [NetworkPeer.service(payments)] });
    payments.allowFrom(NetworkPeer.service(gateway));
    return synthesizeFolders([{ folder: 'prod', app, scopeEntrances: entrances, waves }]);
  }
  const declared = [
    { from: 'shop/gateway', to: 'shop/payments', reason: 'card payments API' },
    { from: 'monitoring/*', to: 'shop/payments', reason: 'metrics' },
  ];

  test('every object of a service carries its classification and owner labels, its pods too', () => {
    const objects = objectsOf(shop(declared)).filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'payments');
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect([o.kind, o.metadata.labels[DATA_CLASSIFICATION_LABEL], o.metadata.labels[OWNER_LABEL]]).toEqual([o.kind, 'cardholder', 'payments']);
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.metadata.labels[DATA_CLASSIFICATION_LABEL]).toBe('cardholder');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'payments' });
  });

  test('synthesis fails on an undeclared connection into the scope, naming both ends', () => {
    expect(() => shop([declared[1]])).toThrow(
      'Synthesis failed:\n  network segmentation of the cardholder-data scope: prod: shop/gateway can reach the cardholder-data service shop/payments (TCP/8080), '
      + 'and this connection is not declared: remove the network peer, or declare it as a scope entrance with a reason'
      + " (the folder's scopeEntrances: { from: 'shop/gateway', to: 'shop/payments', reason: '...' })");
  });

  test('a folder without waves is checked too', () => {
    expect(() => shop([declared[1]], [], false)).toThrow('prod: shop/gateway can reach the cardholder-data service shop/payments (TCP/8080), ');
    expect(() => shop(declared, [], false)).not.toThrow();
  });

  test('synthesis returns the analysis it checked each folder against', () => {
    const app = new App();
    new FintechService(new Chart(app, 'c', { namespace: NS }), 'payments', {
      image: 'registry.example.com/payments:1.0.0', port: 8080, dataClassification: DataClassification.CARDHOLDER, owner: 'payments',
    });
    const { files, segmentation } = synthesize(planDelivery([{ folder: 'prod', app, scopeEntrances: [declared[1]] }]));
    expect(segmentation).toEqual([analyseSegmentation('prod', objectsOf(files), [declared[1]])]);
    expect(segmentation[0].inScope.map((e) => e.id)).toEqual(['shop/payments']);
  });

  test('a cardholder-data service that may send to any address is refused when it is built', () => {
    expect(() => shop(declared, [NetworkPeer.external('postgres', [{ port: 5432 }])])).toThrow(
      "FintechService 'shop/payments': 'egressTo[0].cidr' (\"0.0.0.0/0\") is invalid: lets a cardholder-data service ('dataClassification' CARDHOLDER)"
      + " send to any address: its external peers must name their CIDRs, e.g. NetworkPeer.external('card-network', [{ port: 443 }], '198.51.100.0/24')");
    expect(() => shop(declared, [NetworkPeer.external('postgres', [{ port: 5432 }], '10.1.0.0/24')])).not.toThrow();
  });

  test('the default classification is internal', () => {
    const service = new FintechService(new Chart(new App(), 'c', { namespace: NS }), 's', { image: 'registry.example.com/s:1.0.0', port: 8080 });
    expect([service.dataClassification, service.classificationLabels]).toEqual([DataClassification.INTERNAL, { [DATA_CLASSIFICATION_LABEL]: 'internal' }]);
  });

  test.each([
    [{ dataClassification: 'pci' }, "'dataClassification' (\"pci\") is invalid: must be one of DataClassification.CARDHOLDER, CONFIDENTIAL, INTERNAL or PUBLIC"],
    [{ owner: 'Payments Team' }, "'owner' (\"Payments Team\") is invalid: must be a label value"],
  ])('%j is refused', (props, message) => {
    expect(() => new FintechService(new Chart(new App(), 'c', { namespace: NS }), 's', { image: 'registry.example.com/s:1.0.0', port: 8080, ...props as any }))
      .toThrow(message);
  });
});

describe('the reference platform', () => {
  const files = platformOutput();
  const segmentation = platformSegmentation();

  test.each(ENVIRONMENTS.map((env) => env.name))('%s: the cardholder-data services are in scope, every entrance is declared, every external peer named', (name) => {
    const env = ENVIRONMENTS.find((e) => e.name === name)!;
    const result = segmentation.find((r) => r.environment === name)!;
    expect(result).toEqual(analyseSegmentation(name, objectsOf(files.filter((f) => f.path.startsWith(`${name}/`))), scopeEntrancesFor(env)));
    expect(result.inScope.map((e) => e.id)).toEqual(['finance-service', 'payment-service', 'transactions-service'].map((s) => `${env.namespace}/${s}`));
    expect(result.violations).toEqual([]);
    expect(result.entrances.length).toBeGreaterThan(0);
    expect(result.externalDestinations.every((e) => !e.to.id.endsWith('/0'))).toBe(true);
  });

  test.each(ENVIRONMENTS.map((env) => env.name))('%s: only the ingress controller reaches the api-gateway\'s serving port, only the Prometheus its metrics port', (name) => {
    const env = ENVIRONMENTS.find((e) => e.name === name)!;
    const model = new NetworkModel(objectsOf(files.filter((f) => f.path.startsWith(`${name}/`))));
    const gateway = model.endpoints.find((e) => e.id === `${env.namespace}/api-gateway`)!;
    expect(gateway.ports).toEqual([{ port: 8000, protocol: 'TCP', name: 'http' }, { port: 9090, protocol: 'TCP', name: 'metrics' }]);
    const reaching = (port: string) => model.endpoints.filter((e) => e !== gateway && e.kind !== 'external' && model.allowedPorts(e, gateway).includes(port))
      .map((e) => e.id);
    expect(reaching('TCP/8000')).toEqual(['ingress-nginx/*']);
    expect(reaching('TCP/9090')).toEqual([`${monitoringNamespaceOf(env)}/prometheus-${monitoringStackNameOf(env)}`]);
  });

  test('reports/segmentation.md is what the output gives', () => {
    expect(fs.readFileSync(path.resolve(__dirname, '..', 'reports', 'segmentation.md'), 'utf8')).toBe(segmentationReport(segmentation));
  });

  test('the report needs every environment analysed', () => {
    expect(() => segmentationReport(segmentation.filter((r) => r.environment !== ENVIRONMENTS[0].name)))
      .toThrow(`No segmentation analysis for environment '${ENVIRONMENTS[0].name}': it was not synthesized`);
  });
});
