import { ApiObject, Chart, Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkPeer } from './network-peer';
import { DEFAULT_INGRESS_RATE_LIMIT_PER_SECOND, INGRESS_CONTROLLER_NAMESPACE } from './shared/defaults';
import { constructLabel, invalidProp, invalidSecretProp } from './shared/errors';
import {
  checkArray, checkBoolean, checkDnsLabel, checkDnsSubdomain, checkDuration, checkHostname, checkIngressPath, checkInstance, checkInteger,
  checkKnownKeys, checkNoNulls, checkNotSecret, checkNumber, checkOneOf, checkSecretName, checkSize,
} from './shared/validation';

/** Where an Ingress's TLS certificate comes from. Never the certificate itself. */
export class IngressTls {
  /** A Secret of type kubernetes.io/tls created outside git, in the service's namespace. */
  public static fromSecret(secretName: string): IngressTls {
    return new IngressTls(secretName, undefined);
  }

  /**
   * A cert-manager ClusterIssuer issues the certificate into the Secret `<service>-tls`
   * (the `cert-manager.io/cluster-issuer` annotation).
   */
  public static fromClusterIssuer(issuer: string): IngressTls {
    return new IngressTls(undefined, issuer);
  }

  private constructor(public readonly secretName: string | undefined, public readonly clusterIssuer: string | undefined) {}
}

/** One routed path. */
export interface IngressPath {
  /** Must start with "/". */
  readonly path: string;
  /** @default "Prefix" */
  readonly pathType?: 'Prefix' | 'Exact';
}

/** Response-header hardening: HTTP Strict Transport Security. */
export interface HstsOptions {
  /** @default Duration.days(365) */
  readonly maxAge?: Duration;
  /** @default true */
  readonly includeSubdomains?: boolean;
}

/**
 * An ingress-nginx Ingress in front of a service, TLS terminated at the controller, hardened by
 * default. Each default is an ingress-nginx annotation:
 * - `force-ssl-redirect`: plain HTTP is redirected to HTTPS (308);
 * - HSTS: a `Strict-Transport-Security` response header, from a ConfigMap named by the
 *   `custom-headers` annotation (the controller must list the header in its
 *   `global-allowed-response-headers`);
 * - `limit-rps`: requests per second per client IP, bursts up to 5×, beyond which clients get 503;
 * - `proxy-body-size`: the largest request body, beyond which clients get 413;
 * - `proxy-connect-timeout`, `proxy-read-timeout`, `proxy-send-timeout`: timeouts to the service.
 */
export interface IngressOptions {
  /** The DNS name clients use; a leading `*.` is the only wildcard allowed. */
  readonly host: string;
  /** @default - [{ path: '/', pathType: 'Prefix' }] */
  readonly paths?: IngressPath[];
  /** @default "nginx" */
  readonly ingressClassName?: string;
  /** Namespace of the ingress controller, the only one admitted by the service's network policy. @default "ingress-nginx" */
  readonly controllerNamespace?: string;
  /** The certificate's source; `false` serves plain HTTP (never in production). TLS is on by default, so this is required. */
  readonly tls?: IngressTls | false;
  /** Redirect HTTP to HTTPS. @default true (when TLS is on) */
  readonly forceHttpsRedirect?: boolean;
  /**
   * `false` turns the header off. The Ingress names the header's ConfigMap with its namespace, so
   * the header needs a Chart with a namespace.
   * @default - max-age one year, includeSubDomains
   */
  readonly hsts?: HstsOptions | false;
  /** Requests per second per client IP. @default 20 */
  readonly rateLimitPerSecond?: number;
  /** Largest request body. @default Size.mebibytes(1) */
  readonly maxBodySize?: Size;
  /** @default Duration.seconds(5) */
  readonly connectTimeout?: Duration;
  /** Read and send timeout to the service. @default Duration.seconds(30) */
  readonly requestTimeout?: Duration;
}

const NGINX = 'nginx.ingress.kubernetes.io';
/** ingress-nginx reads `limit-rps` as an integer. */
const INT32_MAX = 2147483647;
/** The annotation that makes ingress-nginx add the headers of a ConfigMap to every response. */
const CUSTOM_HEADERS_ANNOTATION = `${NGINX}/custom-headers`;
const INGRESS_OPTIONS = [
  'host', 'paths', 'ingressClassName', 'controllerNamespace', 'tls', 'forceHttpsRedirect', 'hsts', 'rateLimitPerSecond', 'maxBodySize',
  'connectTimeout', 'requestTimeout',
];
const TLS_EXAMPLE = "IngressTls.fromSecret('payments-tls') or IngressTls.fromClusterIssuer('letsencrypt')";

/** What a service needs to put an Ingress in front of itself. */
export interface IngressBackend {
  /** The Service's name (also the name of the Ingress and its objects). */
  readonly name: string;
  readonly namespace: string;
  /** The name of the Service port the Ingress routes to. */
  readonly portName: string;
  /** The labels of the Ingress and its ConfigMap. */
  readonly labels: Record<string, string>;
}

/** An Ingress and the objects it needs, with `options` checked and their defaults resolved. */
export interface ServiceIngress {
  readonly ingress: k8s.KubeIngress;
  /** The HSTS header's ConfigMap; undefined without TLS or with `hsts: false`. */
  readonly responseHeaders?: k8s.KubeConfigMap;
  /** The controller's namespace, to be admitted by the service's network policy. */
  readonly controller: NetworkPeer;
  readonly rateLimitPerSecond: number;
}

/** The Ingress (id `Ingress`) in front of `backend`, and its response headers' ConfigMap (id `ResponseHeaders`). */
export function createIngress(scope: Construct, backend: IngressBackend, options: IngressOptions): ServiceIngress {
  checkKnownKeys(scope, 'ingress', options, INGRESS_OPTIONS, "{ host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') }");
  checkNoNulls(scope, options, { prefix: 'ingress', required: ['host', 'tls'] });
  const host = checkNotSecret(scope, 'ingress.host', checkHostname(scope, 'ingress.host', options.host), 'host names are public; keep secrets in a Secret');
  const paths = checkArray<IngressPath>(scope, 'ingress.paths', options.paths ?? [{ path: '/' }], "[{ path: '/' }]");
  if (paths.length === 0) throw invalidProp(scope, 'ingress.paths', [], "must hold at least one path, e.g. [{ path: '/' }]; leave it out to route every path");
  paths.forEach((p, i) => {
    checkKnownKeys(scope, `ingress.paths[${i}]`, p, ['path', 'pathType'], "{ path: '/' }");
    checkIngressPath(scope, `ingress.paths[${i}].path`, p.path);
    if (p.pathType !== undefined) checkOneOf(scope, `ingress.paths[${i}].pathType`, p.pathType, ['Prefix', 'Exact']);
    const first = paths.findIndex((q) => q.path === p.path && (q.pathType ?? 'Prefix') === (p.pathType ?? 'Prefix'));
    if (first < i) {
      throw invalidProp(scope, `ingress.paths[${i}].path`, p.path, `is already 'ingress.paths[${first}]'; ingress-nginx refuses an Ingress that routes one path twice`);
    }
  });
  const rateLimitPerSecond = checkInteger(scope, 'ingress.rateLimitPerSecond',
    checkNumber(scope, 'ingress.rateLimitPerSecond', options.rateLimitPerSecond ?? DEFAULT_INGRESS_RATE_LIMIT_PER_SECOND), 1, INT32_MAX);
  const ingressClassName = checkDnsSubdomain(scope, 'ingress.ingressClassName', options.ingressClassName ?? 'nginx');
  const controllerNamespace = checkDnsLabel(scope, 'ingress.controllerNamespace', options.controllerNamespace ?? INGRESS_CONTROLLER_NAMESPACE);
  if (options.forceHttpsRedirect !== undefined) checkBoolean(scope, 'ingress.forceHttpsRedirect', options.forceHttpsRedirect);
  if (options.tls === undefined) {
    throw invalidProp(scope, 'ingress.tls', undefined,
      'TLS is on by default and needs a certificate source: IngressTls.fromSecret(name) or IngressTls.fromClusterIssuer(issuer) (or false for plain HTTP)');
  }
  if (options.tls !== false) {
    const source = checkInstance(scope, 'ingress.tls', options.tls, IngressTls, `${TLS_EXAMPLE} (or false for plain HTTP)`);
    if (source.secretName !== undefined) checkSecretName(scope, 'ingress.tls.secretName', source.secretName);
    if (source.clusterIssuer !== undefined) checkDnsSubdomain(scope, 'ingress.tls.clusterIssuer', source.clusterIssuer);
    if (source.secretName === undefined && source.clusterIssuer === undefined) {
      throw invalidProp(scope, 'ingress.tls', undefined, `needs a certificate source: ${TLS_EXAMPLE}`);
    }
  }
  if (options.tls === false) {
    if (options.forceHttpsRedirect === true) {
      throw invalidProp(scope, 'ingress.forceHttpsRedirect', true, "has no HTTPS to redirect to: 'ingress.tls' is false; give a certificate source or leave the redirect out");
    }
    if (options.hsts !== undefined && options.hsts !== false) {
      throw invalidSecretProp(scope, 'ingress.hsts', options.hsts, "would never be sent: browsers take HSTS only over HTTPS, and 'ingress.tls' is false");
    }
  }
  const tls = options.tls === false ? undefined : options.tls;
  const hsts = tls && options.hsts !== false ? hstsHeader(scope, options.hsts ?? {}) : undefined;
  const hardening = hardeningAnnotations(scope, options, tls !== undefined, rateLimitPerSecond);
  if (hsts && Chart.of(scope).namespace === undefined) {
    // The controller reads the header's ConfigMap as "<namespace>/<name>": in a Chart without a
    // namespace, where the objects land is decided only when they are applied.
    throw invalidProp(scope, 'ingress.hsts', hsts, `needs the namespace of the Chart '${Chart.of(scope).node.path}', which has none:`
      + ' the Ingress names its header ConfigMap as "<namespace>/<name>"; give the Chart a namespace (new Chart(app, id, { namespace: \'payments\' }))'
      + ' or turn the header off (hsts: false)');
  }
  const metadata = (name: string) => ({ name, labels: backend.labels });
  const responseHeaders = hsts ? new k8s.KubeConfigMap(scope, 'ResponseHeaders', {
    metadata: metadata(`${backend.name}-response-headers`),
    data: { 'Strict-Transport-Security': hsts },
  }) : undefined;
  const annotations: Record<string, string> = {
    ...hardening,
    ...(responseHeaders ? { [CUSTOM_HEADERS_ANNOTATION]: `${backend.namespace}/${responseHeaders.name}` } : {}),
    ...(tls?.clusterIssuer ? { 'cert-manager.io/cluster-issuer': tls.clusterIssuer } : {}),
  };
  const ingress = new k8s.KubeIngress(scope, 'Ingress', {
    metadata: { ...metadata(backend.name), annotations },
    spec: {
      ingressClassName,
      tls: tls ? [{ hosts: [host], secretName: tls.secretName ?? `${backend.name}-tls` }] : undefined,
      rules: [{
        host,
        http: {
          paths: paths.map((p) => ({
            path: p.path,
            pathType: p.pathType ?? 'Prefix',
            backend: { service: { name: backend.name, port: { name: backend.portName } } },
          })),
        },
      }],
    },
  });
  scope.node.addValidation({ validate: () => duplicateRoutes(scope, ingress) });
  const controller = NetworkPeer.namespace(controllerNamespace);
  return { ingress, responseHeaders, controller, rateLimitPerSecond };
}

/** The ingress-nginx annotations for `options` (TLS and header ConfigMap aside). */
function hardeningAnnotations(scope: Construct, options: IngressOptions, tlsOn: boolean, rateLimitPerSecond: number): Record<string, string> {
  // ingress-nginx's connect timeout cannot usually exceed 75 seconds; read and send timeouts have no such limit.
  const connect = checkDuration(scope, 'ingress.connectTimeout', options.connectTimeout ?? Duration.seconds(5), { maxSeconds: 75 });
  const request = checkDuration(scope, 'ingress.requestTimeout', options.requestTimeout ?? Duration.seconds(30));
  const maxBodySize = checkSize(scope, 'ingress.maxBodySize', options.maxBodySize ?? Size.mebibytes(1));
  return {
    [`${NGINX}/force-ssl-redirect`]: String(tlsOn && (options.forceHttpsRedirect ?? true)),
    [`${NGINX}/limit-rps`]: String(rateLimitPerSecond),
    [`${NGINX}/limit-burst-multiplier`]: '5',
    [`${NGINX}/proxy-body-size`]: `${maxBodySize.toMebibytes()}m`,
    [`${NGINX}/proxy-connect-timeout`]: String(connect),
    [`${NGINX}/proxy-read-timeout`]: String(request),
    [`${NGINX}/proxy-send-timeout`]: String(request),
  };
}

/** The `Strict-Transport-Security` header value. */
function hstsHeader(scope: Construct, options: HstsOptions): string {
  checkKnownKeys(scope, 'ingress.hsts', options, ['maxAge', 'includeSubdomains'], '{ maxAge: Duration.days(365) }');
  checkNoNulls(scope, options, { prefix: 'ingress.hsts' });
  const maxAge = checkDuration(scope, 'ingress.hsts.maxAge', options.maxAge ?? Duration.days(365), { example: 'e.g. Duration.days(365)' });
  const includeSubdomains = checkBoolean(scope, 'ingress.hsts.includeSubdomains', options.includeSubdomains ?? true);
  return `max-age=${maxAge}${includeSubdomains ? '; includeSubDomains' : ''}`;
}

/** Every route of an Ingress: its class, host, path and path type. */
function routesOf(ingress: ApiObject): string[] {
  const spec = ingress.toJson().spec ?? {};
  return (spec.rules ?? []).flatMap((rule: any) => (rule.http?.paths ?? [])
    .map((p: any) => JSON.stringify([spec.ingressClassName ?? '', rule.host ?? '', p.path, p.pathType])));
}

/**
 * ingress-nginx refuses an Ingress whose host and path another Ingress of the same class already
 * routes, in any namespace: the second Ingress of the app that does so is an error.
 */
function duplicateRoutes(scope: Construct, ingress: ApiObject): string[] {
  const ours = new Set(routesOf(ingress));
  for (const other of scope.node.root.node.findAll()) {
    if (other === ingress) return [];
    if (!(other instanceof ApiObject) || other.kind !== 'Ingress' || other.apiVersion !== 'networking.k8s.io/v1') continue;
    const shared = routesOf(other).find((route) => ours.has(route));
    if (shared !== undefined) {
      const [, host, path] = JSON.parse(shared) as string[];
      return [invalidProp(scope, 'ingress.host', host, `with path "${path}" is already routed by the Ingress of ${constructLabel(other.node.scope!)};`
        + ' ingress-nginx refuses a second Ingress for the same host and path: give this service another host or path').message];
    }
  }
  return [];
}
