import { App, Chart } from 'cdk8s';
import { FintechService, NetworkPeer } from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * NetworkPeer factories never throw: the construct that uses a peer checks its arguments, so each
 * error names that construct's path and the prop the peer was given in (`egressTo[0].cidr`).
 */
const S = "FintechService 'prod/payments'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';

function messageOf(props: object): string {
  return plainErrorMessage(() => new FintechService(new Chart(new App(), 'prod'), 'payments', { image: IMAGE, port: 8080, ...props } as any));
}

describe('NetworkPeer arguments', () => {
  test.each<[string, object, string]>([
    ['a CIDR without a mask', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.1')] },
      `${S}: 'egressTo[0].cidr' ("10.0.0.1") is invalid: must have a prefix length, e.g. "10.0.0.1/32" for this address alone`],
    ['a CIDR with a prefix over 32', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/33')] },
      `${S}: 'egressTo[0].cidr' ("10.0.0.0/33") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
    ['a CIDR with host bits set', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.1/16')] },
      `${S}: 'egressTo[0].cidr' ("10.0.0.1/16") is invalid: has bits set after its /16 prefix; the network is "10.0.0.0/16"`],
    ['a port of 0', { egressTo: [NetworkPeer.external('postgres', [{ port: 0 }], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0].port' (0) is invalid: must be an integer from 1 to 65535`],
    ['a port over 65535', { egressTo: [NetworkPeer.namespace('ledger', [{ port: 70000 }])] },
      `${S}: 'egressTo[0].ports[0].port' (70000) is invalid: must be an integer from 1 to 65535`],
    ['a port as a string', { egressTo: [NetworkPeer.serviceNamed('ledger', [{ port: '8080' }] as any)] },
      `${S}: 'egressTo[0].ports[0].port' ("8080") is invalid: must be a finite number, not a string`],
    ['a lowercase protocol', { egressTo: [NetworkPeer.external('dns', [{ port: 53, protocol: 'udp' as any }], '10.0.0.0/8')] },
      `${S}: 'egressTo[0].ports[0].protocol' ("udp") is invalid: must be one of "TCP", "UDP" or "SCTP" (in capitals)`],
    ['ICMP', { egressTo: [NetworkPeer.external('ping', [{ port: 1, protocol: 'ICMP' as any }], '10.0.0.0/8')] },
      `${S}: 'egressTo[0].ports[0].protocol' ("ICMP") is invalid: must be one of "TCP", "UDP" or "SCTP" (in capitals)`],
    ['a namespace name with capitals', { ingressFrom: [NetworkPeer.namespace('Monitoring')] },
      `${S}: 'ingressFrom[0].name' ("Monitoring") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['a namespace name too long', { ingressFrom: [NetworkPeer.namespace('n'.repeat(64))] },
      `${S}: 'ingressFrom[0].name' ("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['a pod label value too long', { ingressFrom: [NetworkPeer.namespace('monitoring', [], { app: 'x'.repeat(64) })] },
      `${S}: 'ingressFrom[0].podLabels.app' ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['a pod label key with a space', { ingressFrom: [NetworkPeer.namespace('monitoring', [], { 'app name': 'grafana' })] },
      `${S}: 'ingressFrom[0].podLabels' ("app name") is invalid: must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['a service name with "_"', { egressTo: [NetworkPeer.serviceNamed('ledger_service', [{ port: 8080 }])] },
      `${S}: 'egressTo[0].name' ("ledger_service") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['one peer instead of a list', { ingressFrom: NetworkPeer.namespace('monitoring') },
      `${S}: 'ingressFrom' (a NetworkPeer) is invalid: must be an array, not a NetworkPeer, e.g. [NetworkPeer.namespace('ingress-nginx')]`],
    ['a string instead of a peer', { egressTo: ['postgres'] },
      `${S}: 'egressTo[0]' ("postgres") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['ports as a single object', { egressTo: [NetworkPeer.external('postgres', { port: 5432 } as any, '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports' ({"port":5432}) is invalid: must be an array, not an object, e.g. [{ port: 5432 }]`],
    ['a misspelt port option', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432, proto: 'TCP' } as any], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0].proto' (a string of 3 characters) is invalid: is not a known option; the options are port, protocol`],
    ['a string as the metrics scrapers', { metricsScrapers: 'monitoring' },
      `${S}: 'metricsScrapers' ("monitoring") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
  ])('rejects %s', (_, props, message) => expect(messageOf(props)).toBe(message));
});
