// Plain JavaScript, as a caller without type checking writes `metrics` from Helm values or YAML:
// the port as a string or a list, the metrics given as a bare port number, an Ingress left with
// its metrics on the serving port. Each error names the construct path, the prop, the value and
// what is valid.
const { App, Chart } = require('cdk8s');
const { FintechService, IngressTls } = require('../../lib');
const { plainErrorMessage } = require('../support/errors');

const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const S = "FintechService 'prod/payments'";

const service = (props) => plainErrorMessage(() => {
  const app = new App();
  new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', { image: IMAGE, port: 8080, ...props });
  app.synthYaml();
});

describe('metrics.port from JavaScript', () => {
  test.each([
    ['the port as a Helm string', { metrics: { port: '9090' } },
      `${S}: 'metrics.port' ("9090") is invalid: must be a finite number, not a string`],
    ['the port as a list', { metrics: { port: [9090] } },
      `${S}: 'metrics.port' ([9090]) is invalid: must be a finite number, not an array`],
    ['a bare port number as the metrics', { metrics: 9090 },
      `${S}: 'metrics' (9090) is invalid: must be an object, not a number, e.g. { path: '/metrics' } or false`],
    ['the container port of an extra port', { metrics: { port: 9090 }, extraPorts: [{ name: 'grpc', containerPort: 9090 }] },
      `${S}: 'metrics.port' (9090) is invalid: is already 'extraPorts[0].containerPort'; the metrics port needs a number of its own`
      + " (the container and the Service expose it under that number), or the serving 'port' (8080)"],
    ['an Ingress from YAML, metrics left on the serving port', { ingress: { host: 'api.fintech.example.com', tls: IngressTls.fromSecret('api-tls') } },
      `${S}: 'metrics.port' (8080) is invalid: defaults to the serving 'port', to which the Ingress routes "/" from the internet,`
      + ' so "/metrics" would be public; serve metrics on a port only the metrics scrapers reach with metrics: { port: <another port> } (e.g. 9090),'
      + ' or turn them off with metrics: false'],
  ])('%s', (_, props, message) => {
    expect(service(props)).toBe(message);
  });
});
