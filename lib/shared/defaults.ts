/**
 * Platform-wide defaults, each in one place: the constructs resolve their props against these
 * once, into public readonly fields.
 */

/** The namespace of objects in a chart without one. */
export const DEFAULT_NAMESPACE = 'default';

/** Where Prometheus runs: the namespace services admit metrics scrapers from, and a MonitoringStack's default. */
export const MONITORING_NAMESPACE = 'monitoring';

/** The path Prometheus scrapes a service's metrics from. */
export const DEFAULT_METRICS_PATH = '/metrics';

/** The namespace of the ingress-nginx controller, admitted to a service with an Ingress. */
export const INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';

/** Requests per second per client IP that an Ingress lets through. */
export const DEFAULT_INGRESS_RATE_LIMIT_PER_SECOND = 20;

/** Pods get no ServiceAccount token unless they ask for one. */
export const DEFAULT_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN = false;
