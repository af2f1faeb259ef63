import { App, Chart } from 'cdk8s';
import { CanaryBackend, CanaryRollout, FintechService, IngressTls } from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN a FintechService (or a CanaryRollout, which passes `metrics` on to its service) with one
 * mistake in where its metrics are served WHEN it is synthesized THEN it throws a plain Error
 * naming the construct path, the prop, the value and what is valid.
 */
const S = "FintechService 'prod/payments'";
const C = "CanaryRollout 'prod/payments'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const CANARY = 'registry.fintech.internal/fintech/payments:1.5.0';
const ingress = { host: 'api.fintech.example.com', tls: IngressTls.fromSecret('payments-tls') };
const PUBLIC = 'to which the Ingress routes "/" from the internet, so "/metrics" would be public; serve metrics on a port only the metrics scrapers reach'
  + ' with metrics: { port: <another port> } (e.g. 9090), or turn them off with metrics: false';
const OWN_NUMBER = 'the metrics port needs a number of its own (the container and the Service expose it under that number), or the serving \'port\' (8080)';

function serviceMessage(props: object): string {
  return plainErrorMessage(() => {
    const app = new App();
    new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', { image: IMAGE, port: 8080, ...props } as any);
    app.synthYaml();
  });
}

function canaryMessage(props: object): string {
  return plainErrorMessage(() => {
    const app = new App();
    new CanaryRollout(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', { stableImage: IMAGE, canaryImage: CANARY, port: 8080, ...props } as any);
    app.synthYaml();
  });
}

describe('metrics.port bad input', () => {
  test.each<[string, object, string]>([
    ['a port as a string', { metrics: { port: '9090' } },
      `${S}: 'metrics.port' ("9090") is invalid: must be a finite number, not a string`],
    ['NaN', { metrics: { port: NaN } },
      `${S}: 'metrics.port' (NaN) is invalid: must be a finite number, not NaN`],
    ['null for the default', { metrics: { port: null } },
      `${S}: 'metrics.port' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['port 0', { metrics: { port: 0 } },
      `${S}: 'metrics.port' (0) is invalid: must be an integer from 1 to 65535`],
    ['a port above 65535', { metrics: { port: 65536 } },
      `${S}: 'metrics.port' (65536) is invalid: must be an integer from 1 to 65535`],
    ['a fractional port', { metrics: { port: 9090.5 } },
      `${S}: 'metrics.port' (9090.5) is invalid: must be an integer from 1 to 65535`],
    ['a misspelt option', { metrics: { prot: 9090 } },
      `${S}: 'metrics.prot' (a number) is invalid: is not a known option; the options are path, port, interval, podTargetLabels`],
    ['the container port of an extra port', { metrics: { port: 9090 }, extraPorts: [{ name: 'grpc', containerPort: 9090 }] },
      `${S}: 'metrics.port' (9090) is invalid: is already 'extraPorts[0].containerPort'; ${OWN_NUMBER}`],
    ['the Service port of an extra port', { metrics: { port: 9090 }, extraPorts: [{ name: 'grpc', containerPort: 9091, servicePort: 9090 }] },
      `${S}: 'metrics.port' (9090) is invalid: is already 'extraPorts[0].servicePort'; ${OWN_NUMBER}`],
    ['the Service port of the serving port', { metrics: { port: 8443 }, servicePort: 8443 },
      `${S}: 'metrics.port' (8443) is invalid: is already 'servicePort'; ${OWN_NUMBER}`],
    ['a metrics port below 1024', { metrics: { port: 443 } },
      `${S}: 'metrics.port' (443) is invalid: must be from 1024 to 65535: the container runs as a non-root user without capabilities, which most container`
      + ' runtimes (containerd 1.x, CRI-O) do not let listen below 1024; listen on e.g. 8080 and give the Service the low port (servicePort: 80)'],
    ['an extra port named "metrics" beside a metrics port', { metrics: { port: 9090 }, extraPorts: [{ name: 'metrics', containerPort: 9091 }] },
      `${S}: 'extraPorts[0].name' ("metrics") is invalid: is the name of the metrics port, which 'metrics.port' (9090) adds; each port needs its own name`],
    ['an Ingress with metrics on the serving port by default', { ingress },
      `${S}: 'metrics.port' (8080) is invalid: defaults to the serving 'port', ${PUBLIC}`],
    ['an Ingress with metrics on the serving port, given', { ingress, metrics: { port: 8080 } },
      `${S}: 'metrics.port' (8080) is invalid: is the serving 'port', ${PUBLIC}`],
    ['an Ingress with metrics on the serving port, 9090 taken by an extra port', { ingress, extraPorts: [{ name: 'grpc', containerPort: 9090 }] },
      `${S}: 'metrics.port' (8080) is invalid: defaults to the serving 'port', ${PUBLIC.replace('e.g. 9090', 'e.g. 9091')}`],
  ])('rejects %s', (_, props, message) => expect(serviceMessage(props)).toBe(message));

  test.each<[string, object]>([
    ['the serving port (the default, spelt out)', { metrics: { port: 8080 } }],
    ['a port of its own', { metrics: { port: 9090 }, extraPorts: [{ name: 'grpc', containerPort: 9091 }] }],
    ['an extra port named "metrics" when metrics are on the serving port', { extraPorts: [{ name: 'metrics', containerPort: 9091 }] }],
    ['an Ingress with metrics on a port of their own', { ingress, metrics: { port: 9090 } }],
    ['an Ingress with metrics off', { ingress, metrics: false }],
  ])('accepts %s', (_, props) => {
    const app = new App();
    new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', { image: IMAGE, port: 8080, ...props } as any);
    expect(() => app.synthYaml()).not.toThrow();
  });

  test.each([CanaryBackend.PLAIN_KUBERNETES, CanaryBackend.ARGO_ROLLOUTS])('with the %s backend, a CanaryRollout with an Ingress is refused the same way', (backend) => {
    expect(canaryMessage({ backend, ingress })).toBe(`${C}: 'metrics.port' (8080) is invalid: defaults to the serving 'port', ${PUBLIC}`);
    expect(canaryMessage({ backend, metrics: { port: '9090' } })).toBe(`${C}: 'metrics.port' ("9090") is invalid: must be a finite number, not a string`);
  });
});
