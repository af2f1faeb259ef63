import { Duration, Size } from 'cdk8s';
import { IngressOptions, IngressTls, NetworkPeer } from '../lib';
import { kinds, newChart, only, paymentsService, synth } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

const PATH = "FintechService 'prod/payments'";
const HOST = 'api.fintech.example.com';

/** An Ingress needs the metrics off the serving port: on 9100 unless `extra` says otherwise. */
function synthWithIngress(ingress: IngressOptions, extra: Parameters<typeof paymentsService>[0] = {}) {
  const chart = newChart();
  const service = paymentsService({ ingress, metrics: { port: 9100 }, ...extra }, chart);
  return { service, objects: synth(chart) };
}

describe('FintechService ingress', () => {
  const { objects } = synthWithIngress({ host: HOST, tls: IngressTls.fromClusterIssuer('letsencrypt-production') });
  const ingress = only(objects, 'Ingress');

  test('routes the host to the service port by name, through the nginx class', () => {
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules).toEqual([{
      host: HOST,
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'payments', port: { name: 'http' } } } }] },
    }]);
  });

  test('terminates TLS with a certificate cert-manager issues into a referenced Secret', () => {
    expect(ingress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'payments-tls' }]);
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-production');
  });

  test('is hardened by default: HTTPS redirect, HSTS, rate limit, body size, timeouts', () => {
    expect(ingress.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-production',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/limit-rps': '20',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5',
      'nginx.ingress.kubernetes.io/proxy-body-size': '1m',
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': '5',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '30',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '30',
      'nginx.ingress.kubernetes.io/custom-headers': 'fintech-test/payments-response-headers',
    });
    expect(only(objects, 'ConfigMap', 'payments-response-headers').data)
      .toEqual({ 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' });
  });

  test('the network policy admits the ingress controller namespace on the serving port only, the scrapers on the metrics port only', () => {
    const { objects: withGrpc } = synthWithIngress({ host: HOST, tls: IngressTls.fromSecret('payments-cert') },
      { extraPorts: [{ name: 'grpc', containerPort: 9090 }] });
    expect(only(withGrpc, 'NetworkPolicy').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }, {
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9100 }],
    }]);
    expect(only(withGrpc, 'Ingress').spec.rules[0].http.paths[0].backend.service.port).toEqual({ name: 'http' });
    expect(only(withGrpc, 'ServiceMonitor').spec.endpoints[0].port).toBe('metrics');
  });

  test('refuses metrics on the serving port, which the Ingress makes public; accepts them off', () => {
    const refused = (extra: Parameters<typeof paymentsService>[0], paths?: IngressOptions['paths']) => () => synthWithIngress(
      { host: HOST, tls: IngressTls.fromSecret('x'), paths }, extra);
    const fix = 'serve metrics on a port only the metrics scrapers reach with metrics: { port: <another port> } (e.g. 9090), or turn them off with metrics: false';
    expect(refused({ metrics: undefined })).toThrow(`${PATH}: 'metrics.port' (8080) is invalid: defaults to the serving 'port', `
      + `to which the Ingress routes "/" from the internet, so "/metrics" would be public; ${fix}`);
    expect(refused({ metrics: { port: 8080, path: '/internal/metrics' } }, [{ path: '/api' }, { path: '/v2', pathType: 'Exact' }]))
      .toThrow(`${PATH}: 'metrics.port' (8080) is invalid: is the serving 'port', `
        + `to which the Ingress routes "/api", "/v2" from the internet, so "/internal/metrics" would be public; ${fix}`);
    const { objects: off } = synthWithIngress({ host: HOST, tls: IngressTls.fromSecret('x') }, { metrics: false });
    expect(kinds(off)).not.toContain('ServiceMonitor');
    expect(only(off, 'NetworkPolicy').spec.ingress.map((r: any) => r.ports)).toEqual([[{ protocol: 'TCP', port: 8080 }]]);
  });

  test('emits no TLS material: only a Secret name', () => {
    const { objects: fromSecret } = synthWithIngress({ host: HOST, tls: IngressTls.fromSecret('payments-cert') });
    expect(only(fromSecret, 'Ingress').spec.tls).toEqual([{ hosts: [HOST], secretName: 'payments-cert' }]);
    expect(kinds(fromSecret)).not.toContain('Secret');
    expect(JSON.stringify(fromSecret)).not.toMatch(/BEGIN (CERTIFICATE|PRIVATE KEY)|tls\.crt|tls\.key/);
  });

  test('overrides: paths, class, controller namespace, limits, timeouts, HSTS off', () => {
    const { objects: custom } = synthWithIngress({
      host: '*.fintech.example.com',
      paths: [{ path: '/api', pathType: 'Exact' }],
      ingressClassName: 'internal-nginx',
      controllerNamespace: 'edge',
      tls: IngressTls.fromSecret('wildcard-cert'),
      hsts: false,
      forceHttpsRedirect: false,
      rateLimitPerSecond: 50,
      maxBodySize: Size.mebibytes(10),
      connectTimeout: Duration.seconds(2),
      requestTimeout: Duration.minutes(2),
    });
    const ing = only(custom, 'Ingress');
    expect(ing.spec.ingressClassName).toBe('internal-nginx');
    expect(ing.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api', pathType: 'Exact' });
    expect(ing.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'false',
      'nginx.ingress.kubernetes.io/limit-rps': '50',
      'nginx.ingress.kubernetes.io/proxy-body-size': '10m',
      'nginx.ingress.kubernetes.io/proxy-connect-timeout': '2',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
    });
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/custom-headers']).toBeUndefined();
    expect(kinds(custom)).not.toContain('ConfigMap');
    expect(only(custom, 'NetworkPolicy').spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('edge');
  });

  test('validates strictly against the Kubernetes 1.28 schema', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test.each([
    ['a host that is not a DNS name', { host: 'api_gateway.example.com', tls: IngressTls.fromSecret('x') },
      `${PATH}: 'ingress.host' ("api_gateway.example.com") is invalid: must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address`],
    ['a wildcard that is not leading', { host: 'api.*.example.com', tls: IngressTls.fromSecret('x') },
      `${PATH}: 'ingress.host' ("api.*.example.com") is invalid: must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address`],
    ['a path without a leading slash', { host: HOST, paths: [{ path: 'api' }], tls: IngressTls.fromSecret('x') },
      `${PATH}: 'ingress.paths[0].path' ("api") is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['TLS on with neither a Secret nor an issuer', { host: HOST },
      `${PATH}: 'ingress.tls' (undefined) is invalid: TLS is on by default and needs a certificate source: IngressTls.fromSecret(name) or IngressTls.fromClusterIssuer(issuer) (or false for plain HTTP)`],
    ['a rate limit below 1', { host: HOST, tls: IngressTls.fromSecret('x'), rateLimitPerSecond: 0 },
      `${PATH}: 'ingress.rateLimitPerSecond' (0) is invalid: must be an integer from 1 to 2147483647`],
  ] as Array<[string, IngressOptions, string]>)('rejects %s', (_, ingress, message) => {
    expect(() => synthWithIngress(ingress)).toThrow(message);
  });

  test('plain HTTP only when asked, without redirect or HSTS', () => {
    const { objects: plain } = synthWithIngress({ host: HOST, tls: false }, { ingressFrom: [NetworkPeer.namespace('other')] });
    expect(only(plain, 'Ingress').spec.tls).toBeUndefined();
    expect(only(plain, 'Ingress').metadata.annotations['nginx.ingress.kubernetes.io/force-ssl-redirect']).toBe('false');
  });
});
