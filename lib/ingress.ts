import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkPeer } from './network-peer';
import { DEFAULT_INGRESS_RATE_LIMIT_PER_SECOND, INGRESS_CONTROLLER_NAMESPACE } from './shared/defaults';
import { invalidProp } from './shared/errors';
import { checkHttpPath, checkInteger } from './shared/validation';

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
  /** `false` turns the header off. @default - max-age one year, includeSubDomains */
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
/** The annotation that makes ingress-nginx add the headers of a ConfigMap to every response. */
const CUSTOM_HEADERS_ANNOTATION = `${NGINX}/custom-headers`;
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

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
  const host = options.host;
  if (host.length > 253 || !DNS_NAME.test(host)) {
    throw invalidProp(scope, 'ingress.host', host, 'must be a DNS name such as "api.example.com"; the only wildcard allowed is a leading "*."');
  }
  const paths = options.paths ?? [{ path: '/' }];
  paths.forEach((p, i) => checkHttpPath(scope, `ingress.paths[${i}].path`, p.path));
  const rateLimitPerSecond = checkInteger(scope, 'ingress.rateLimitPerSecond', options.rateLimitPerSecond ?? DEFAULT_INGRESS_RATE_LIMIT_PER_SECOND, 1);
  if (options.tls === undefined) {
    throw invalidProp(scope, 'ingress.tls', undefined,
      'TLS is on by default and needs a certificate source: IngressTls.fromSecret(name) or IngressTls.fromClusterIssuer(issuer) (or false for plain HTTP)');
  }
  const tls = options.tls === false ? undefined : options.tls;
  const hsts = tls && options.hsts !== false ? hstsHeader(options.hsts ?? {}) : undefined;
  const metadata = (name: string) => ({ name, labels: backend.labels });
  const responseHeaders = hsts ? new k8s.KubeConfigMap(scope, 'ResponseHeaders', {
    metadata: metadata(`${backend.name}-response-headers`),
    data: { 'Strict-Transport-Security': hsts },
  }) : undefined;
  const annotations: Record<string, string> = {
    ...hardeningAnnotations(options, tls !== undefined, rateLimitPerSecond),
    ...(responseHeaders ? { [CUSTOM_HEADERS_ANNOTATION]: `${backend.namespace}/${responseHeaders.name}` } : {}),
    ...(tls?.clusterIssuer ? { 'cert-manager.io/cluster-issuer': tls.clusterIssuer } : {}),
  };
  const ingress = new k8s.KubeIngress(scope, 'Ingress', {
    metadata: { ...metadata(backend.name), annotations },
    spec: {
      ingressClassName: options.ingressClassName ?? 'nginx',
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
  const controller = NetworkPeer.namespace(options.controllerNamespace ?? INGRESS_CONTROLLER_NAMESPACE);
  return { ingress, responseHeaders, controller, rateLimitPerSecond };
}

/** The ingress-nginx annotations for `options` (TLS and header ConfigMap aside). */
function hardeningAnnotations(options: IngressOptions, tlsOn: boolean, rateLimitPerSecond: number): Record<string, string> {
  const seconds = (d: Duration) => String(d.toSeconds());
  return {
    [`${NGINX}/force-ssl-redirect`]: String(tlsOn && (options.forceHttpsRedirect ?? true)),
    [`${NGINX}/limit-rps`]: String(rateLimitPerSecond),
    [`${NGINX}/limit-burst-multiplier`]: '5',
    [`${NGINX}/proxy-body-size`]: `${(options.maxBodySize ?? Size.mebibytes(1)).toMebibytes()}m`,
    [`${NGINX}/proxy-connect-timeout`]: seconds(options.connectTimeout ?? Duration.seconds(5)),
    [`${NGINX}/proxy-read-timeout`]: seconds(options.requestTimeout ?? Duration.seconds(30)),
    [`${NGINX}/proxy-send-timeout`]: seconds(options.requestTimeout ?? Duration.seconds(30)),
  };
}

/** The `Strict-Transport-Security` header value. */
function hstsHeader(options: HstsOptions): string {
  const maxAge = (options.maxAge ?? Duration.days(365)).toSeconds();
  return `max-age=${maxAge}${(options.includeSubdomains ?? true) ? '; includeSubDomains' : ''}`;
}
