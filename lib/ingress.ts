import { Duration, Size } from 'cdk8s';

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

/** The ingress-nginx annotations for `options` (TLS and header ConfigMap aside). */
export function hardeningAnnotations(options: IngressOptions, tlsOn: boolean): Record<string, string> {
  const seconds = (d: Duration) => String(d.toSeconds());
  return {
    [`${NGINX}/force-ssl-redirect`]: String(tlsOn && (options.forceHttpsRedirect ?? true)),
    [`${NGINX}/limit-rps`]: String(options.rateLimitPerSecond ?? 20),
    [`${NGINX}/limit-burst-multiplier`]: '5',
    [`${NGINX}/proxy-body-size`]: `${(options.maxBodySize ?? Size.mebibytes(1)).toMebibytes()}m`,
    [`${NGINX}/proxy-connect-timeout`]: seconds(options.connectTimeout ?? Duration.seconds(5)),
    [`${NGINX}/proxy-read-timeout`]: seconds(options.requestTimeout ?? Duration.seconds(30)),
    [`${NGINX}/proxy-send-timeout`]: seconds(options.requestTimeout ?? Duration.seconds(30)),
  };
}

/** The `Strict-Transport-Security` header value. */
export function hstsHeader(options: HstsOptions): string {
  const maxAge = (options.maxAge ?? Duration.days(365)).toSeconds();
  return `max-age=${maxAge}${(options.includeSubdomains ?? true) ? '; includeSubDomains' : ''}`;
}

/** The annotation that makes ingress-nginx add the headers of a ConfigMap to every response. */
export const CUSTOM_HEADERS_ANNOTATION = `${NGINX}/custom-headers`;
