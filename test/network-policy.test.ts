import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { NetworkPeer } from '../lib/network-peer';
import { createNetworkPolicy, peerCovers, PolicyGrant } from '../lib/network-policy';

/** A workload that owns a policy, as FintechService and BackupCronJob do. */
class Workload extends Construct {
  public readonly namespace = 'shop';
}

function policyOf(grants: { ingress?: PolicyGrant[]; egress: PolicyGrant[] }): any {
  const chart = new Chart(new App(), 'chart', { namespace: 'shop' });
  const owner = new Workload(chart, 'jobs');
  createNetworkPolicy(owner, { name: 'jobs' }, { app: 'jobs' }, {
    ingress: grants.ingress && (() => grants.ingress!.map((g) => ({ ...g, ports: [{ port: 8080 }] }))),
    egress: () => grants.egress,
  });
  return chart.toJson()[0];
}

describe('createNetworkPolicy', () => {
  test('without ingress grants there is no ingress key: both directions denied but for DNS and the egress peers', () => {
    const policy = policyOf({ egress: [{ prop: 'peer', peer: NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/8') }] });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('an empty ingress list admits nobody, and is rendered as such', () => {
    expect(policyOf({ ingress: [], egress: [] }).spec.ingress).toEqual([]);
  });

  test('checks every grant at synth time, with the prop it came from', () => {
    expect(() => policyOf({ egress: [{ prop: 'destination.peer', peer: NetworkPeer.namespace('storage') }] }))
      .toThrow("Workload 'chart/jobs': 'destination.peer.ports' ([]) is invalid: must name at least one port to reach on namespace storage, e.g. [{ port: 443 }]");
  });
});

describe('peerCovers', () => {
  test.each([
    [NetworkPeer.namespace('monitoring'), NetworkPeer.namespace('monitoring', [], { app: 'prometheus' }), true],
    [NetworkPeer.namespace('monitoring'), NetworkPeer.namespace('monitoring'), true],
    [NetworkPeer.namespace('monitoring', [], { app: 'prometheus' }), NetworkPeer.namespace('monitoring'), false],
    [NetworkPeer.namespace('monitoring', [], { app: 'prometheus' }), NetworkPeer.namespace('monitoring', [], { app: 'other' }), false],
    [NetworkPeer.namespace('monitoring'), NetworkPeer.namespace('observability'), false],
    [NetworkPeer.external('x', [{ port: 1 }]), NetworkPeer.external('x', [{ port: 1 }]), false],
  ])('case %#', (existing, candidate, covers) => {
    expect(peerCovers(existing, candidate)).toBe(covers);
  });
});
