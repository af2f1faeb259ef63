import { createHash } from 'crypto';
import { Chart, Duration, Lazy, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ServiceMonitor } from '../imports/servicemonitors-monitoring.coreos.com';
import {
  VerticalPodAutoscaler, VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed, VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../imports/verticalpodautoscalers-autoscaling.k8s.io';
import { AutoscalingOptions, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, scalingRules, VerticalAutoscalingOptions } from './autoscaling';
import { DeliveryTier, IDeliverable } from './delivery';
import { CUSTOM_HEADERS_ANNOTATION, hardeningAnnotations, hstsHeader, IngressOptions } from './ingress';
import { dnsEgressRule, NetworkPeer, NetworkPeerKind, PeerPort, policyPorts } from './network-peer';
import { HttpProbeOptions, StartupProbeOptions } from './probes';
import { SecretKeyRef } from './secret-key-ref';
import { goDuration } from './shared/duration';
import { invalidProp } from './shared/errors';
import { COMPONENT_LABEL, imageVersion, selectorLabels, serviceLabels } from './shared/labels';
import {
  checkedResources, cpuMillis, cpuQuantity, kubeResources, memoryMiB, memoryQuantity, ResourceDefaults,
} from './shared/resources';
import {
  containerSecurityContext, DEFAULT_SCRATCH_DIRECTORIES, podSecurityContext, RunAsIdentity, scratchMounts, scratchVolumes,
} from './shared/security';
import { findService, registerService, serviceNamesIn } from './shared/service-registry';
import {
  checkDnsLabel, checkHttpPath, checkInteger, checkLabels, checkPercent, checkPinnedImage, checkPort, checkUnique,
} from './shared/validation';

/** An additional port of the service, beside its main HTTP port. */
export interface NamedPort {
  /** Port name (IANA_SVC_NAME: at most 15 lowercase letters, digits, "-"). */
  readonly name: string;
  /** The port the container listens on. */
  readonly containerPort: number;
  /** @default - the same as `containerPort` */
  readonly servicePort?: number;
}

/** RollingUpdate strategy limits: a number of pods or a percentage such as "25%". */
export interface RollingUpdateOptions {
  /** Pods created above the desired count during a rollout. @default 1 */
  readonly maxSurge?: number | string;
  /** Pods that may be unavailable during a rollout. @default 0 */
  readonly maxUnavailable?: number | string;
}

/** The PodDisruptionBudget: give either `minAvailable` or `maxUnavailable`. */
export interface DisruptionBudgetOptions {
  /** Pods that must stay available during a voluntary disruption (a node drain). @default - not set */
  readonly minAvailable?: number;
  /** Pods that may be evicted at once. @default 1 (when `minAvailable` is not set) */
  readonly maxUnavailable?: number;
}

/** Prometheus scraping of the service's metrics endpoint. */
export interface MetricsOptions {
  /** @default "/metrics" */
  readonly path?: string;
  /** @default Duration.seconds(15) */
  readonly interval?: Duration;
  /** Pod labels copied onto every scraped series (e.g. `track`, `version`). @default - none */
  readonly podTargetLabels?: string[];
}

/** Properties of a {@link FintechService}. Every safeguard is on unless a prop turns it off. */
export interface FintechServiceProps {
  /**
   * Name of the service and of every object it creates; a DNS-1123 label.
   * @default - the construct id
   */
  readonly name?: string;
  /** Container image, pinned to a version tag other than `latest` or to a sha256 digest. */
  readonly image: string;
  /** The port the container serves HTTP on (also used for probes and metrics). */
  readonly port: number;
  /** The Service's port for the main HTTP port. @default - the same as `port` */
  readonly servicePort?: number;
  /** More ports to expose. @default - none */
  readonly extraPorts?: NamedPort[];
  /**
   * Replicas. With autoscaling on, this is the autoscaler's minimum and the Deployment leaves
   * `replicas` unset so that the autoscaler alone owns it (GitOps would otherwise reset it).
   * @default 3
   */
  readonly replicas?: number;
  /** @default - maxSurge 1, maxUnavailable 0 */
  readonly rollingUpdate?: RollingUpdateOptions;
  /**
   * Keep each client on the same pod for this long (Service sessionAffinity ClientIP).
   * @default - no session affinity
   */
  readonly sessionAffinityTimeout?: Duration;
  /**
   * HorizontalPodAutoscaler (autoscaling/v2) on CPU and memory; `false` turns it off.
   * @default - min `replicas`, max 10, CPU 70 %, memory 80 %, scale-up +100 %/15 s after 60 s, scale-down −10 %/60 s after 300 s
   */
  readonly autoscaling?: AutoscalingOptions | false;
  /** @default - maxUnavailable 1 */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /**
   * Container resources. CPU and memory requests and limits are all required in the result;
   * what is not given comes from the default.
   * @default - requests 250m CPU / 512Mi, limits 500m / 1Gi; ephemeral storage 128Mi / 1Gi
   */
  readonly resources?: ContainerResources;
  /** @default - GET /health, initial delay 30 s, every 10 s */
  readonly livenessProbe?: HttpProbeOptions;
  /** @default - GET /ready, initial delay 5 s, every 5 s */
  readonly readinessProbe?: HttpProbeOptions;
  /** @default - GET on the liveness path every 10 s, for up to 2 minutes */
  readonly startupProbe?: StartupProbeOptions;
  /** Time between SIGTERM and SIGKILL. @default Duration.seconds(30) */
  readonly terminationGracePeriod?: Duration;
  /** The user and group the container runs as (never root). @default - uid 1000, gid 1000 */
  readonly runAs?: RunAsIdentity;
  /**
   * Plain, non-secret environment variables. Names that look like credentials (PASSWORD,
   * SECRET, TOKEN, API_KEY, ...) are refused: use `secretEnv`.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /**
   * Configuration, written to a ConfigMap `<name>-config` and given to the container as
   * environment variables. Its content hash is a pod-template annotation, so a change rolls the pods.
   * @default - no ConfigMap
   */
  readonly config?: Record<string, string>;
  /**
   * Environment variables read from existing Secrets (created outside git). Only references:
   * no prop accepts a secret value.
   * @default - none
   */
  readonly secretEnv?: Record<string, SecretKeyRef>;
  /** Who may connect to the service's ports. @default - nobody but the metrics scrapers */
  readonly ingressFrom?: NetworkPeer[];
  /** Whom the service may connect to, besides cluster DNS. @default - cluster DNS only */
  readonly egressTo?: NetworkPeer[];
  /** Where Prometheus runs; allowed to reach the metrics port. @default NetworkPeer.namespace('monitoring') */
  readonly metricsScrapers?: NetworkPeer;
  /** Prometheus scraping (annotations and a ServiceMonitor); `false` turns it off. @default - GET /metrics every 15 s */
  readonly metrics?: MetricsOptions | false;
  /** Mount a ServiceAccount token into the pods. @default false */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Labels added to the pods and to the Deployment's selector, so that several Deployments
   * (tracks, such as a canary's `track: canary`) of one service can run side by side. The
   * Service, disruption budget, network policy and ServiceMonitor still select every track.
   * @default - none
   */
  readonly trackLabels?: Record<string, string>;
  /**
   * An Ingress in front of the service's main port, through ingress-nginx, with TLS and
   * hardening (see {@link IngressOptions}); the network policy then admits the controller's namespace.
   * @default - no Ingress: reachable only inside the cluster
   */
  readonly ingress?: IngressOptions;
  /**
   * A VerticalPodAutoscaler (autoscaling.k8s.io/v1) that recommends, or with autoscaling off
   * sets, the container's requests and limits within these bounds.
   * @default - none
   */
  readonly verticalAutoscaling?: VerticalAutoscalingOptions;
}

const MAIN_PORT_NAME = 'http';
const SECRET_LOOKING_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const DEFAULT_RESOURCES: ResourceDefaults = {
  cpuRequest: Cpu.millis(250),
  cpuLimit: Cpu.millis(500),
  memoryRequest: Size.mebibytes(512),
  memoryLimit: Size.gibibytes(1),
  ephemeralRequest: Size.mebibytes(128),
  ephemeralLimit: Size.gibibytes(1),
};

/**
 * A production microservice with every safeguard on: a Deployment under the Pod Security
 * Standard "restricted", its Service, an autoscaler, a disruption budget, its own
 * ServiceAccount with a least-privilege Role, a NetworkPolicy that admits only named peers,
 * probes, resources, spread across nodes and zones, and Prometheus scraping.
 *
 * Every object is a public member, to be adjusted with `ApiObject.of(x).addJsonPatch(...)`.
 */
export class FintechService extends Construct implements IDeliverable {
  public readonly deliveryTier = DeliveryTier.SERVICES;
  public readonly name: string;
  public readonly namespace: string;
  public readonly image: string;
  /** The image's tag (or a short digest), as the `app.kubernetes.io/version` label. */
  public readonly version: string;
  public readonly port: number;
  public readonly servicePort: number;
  public readonly replicas: number;
  /** Autoscaler bounds; both equal `replicas` when autoscaling is off. */
  public readonly minReplicas: number;
  public readonly maxReplicas: number;
  /** Labels that select every pod of the service, whatever its track: derived from the name only. */
  public readonly selectorLabels: Record<string, string>;
  /** Labels of this construct's own Deployment beyond `selectorLabels` (see `trackLabels`). */
  public readonly trackLabels: Record<string, string>;
  /** The Service's ports, for other Services in front of the same pods. */
  public readonly servicePorts: k8s.ServicePort[];

  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** Undefined when `autoscaling` is `false`. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** Undefined without `config`. */
  public readonly configMap?: k8s.KubeConfigMap;
  /** Undefined when the service reads no ConfigMap and no Secret. */
  public readonly role?: k8s.KubeRole;
  public readonly roleBinding?: k8s.KubeRoleBinding;
  /** Undefined when `metrics` is `false`. */
  public readonly serviceMonitor?: ServiceMonitor;
  /** Undefined without `ingress`. */
  public readonly ingress?: k8s.KubeIngress;
  /** Undefined without `verticalAutoscaling`. */
  public readonly verticalAutoscaler?: VerticalPodAutoscaler;
  /** The response headers ingress-nginx adds (HSTS); undefined without `ingress` or with `hsts: false`. */
  public readonly responseHeaders?: k8s.KubeConfigMap;

  private readonly containerPorts: ReadonlyMap<string, number>;
  private readonly egressServices: string[];
  private readonly podSpec: k8s.PodSpec;
  private readonly podAnnotations: Record<string, string>;

  constructor(scope: Construct, id: string, props: FintechServiceProps) {
    super(scope, id);
    this.name = checkDnsLabel(this, 'name', props.name ?? id);
    this.namespace = Chart.of(this).namespace ?? 'default';
    this.image = checkPinnedImage(this, 'image', props.image);
    this.version = imageVersion(this.image);
    this.port = checkPort(this, 'port', props.port);
    this.servicePort = checkPort(this, 'servicePort', props.servicePort ?? this.port);
    this.replicas = checkInteger(this, 'replicas', props.replicas ?? 3, 1);
    this.selectorLabels = selectorLabels(this.name);
    this.trackLabels = checkLabels(this, 'trackLabels', props.trackLabels ?? {});

    const extraPorts = (props.extraPorts ?? []).map((p, i) => this.checkNamedPort(p, i));
    this.containerPorts = new Map([[MAIN_PORT_NAME, this.port], ...extraPorts.map((p) => [p.name, p.containerPort] as const)]);
    checkUnique(this, 'extraPorts[].name', [MAIN_PORT_NAME, ...extraPorts.map((p) => p.name)]);
    checkUnique(this, 'extraPorts[].containerPort', [...this.containerPorts.values()]);
    checkUnique(this, 'extraPorts[].servicePort', [this.servicePort, ...extraPorts.map((p) => p.servicePort ?? p.containerPort)]);

    const autoscaling = props.autoscaling === false ? undefined : (props.autoscaling ?? {});
    this.minReplicas = checkInteger(this, 'autoscaling.minReplicas', autoscaling?.minReplicas ?? this.replicas, 1);
    this.maxReplicas = checkInteger(this, 'autoscaling.maxReplicas',
      autoscaling?.maxReplicas ?? (autoscaling ? Math.max(10, this.minReplicas) : this.replicas), 1);
    if (this.minReplicas > this.maxReplicas) {
      throw invalidProp(this, 'autoscaling.minReplicas', this.minReplicas, `must not exceed 'autoscaling.maxReplicas' (${this.maxReplicas})`);
    }

    if (findService(this, this.namespace, this.name)) {
      throw invalidProp(this, 'name', this.name, `a service of that name already exists in namespace '${this.namespace}'; names must be unique`);
    }
    registerService(this, { name: this.name, namespace: this.namespace, containerPorts: this.containerPorts, construct: this });
    this.egressServices = (props.egressTo ?? []).filter((p) => p.kind === NetworkPeerKind.SERVICE).map((p) => p.name);

    const labels = serviceLabels(this.name, this.version);
    const metadata = (name = this.name): k8s.ObjectMeta => ({ name, labels });

    const configData = props.config ? sortedRecord(this.checkNonSecretVariables('config', props.config)) : undefined;
    this.configMap = configData ? new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: configData }) : undefined;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(),
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });
    [this.role, this.roleBinding] = this.createRole(props.secretEnv ?? {}, metadata());

    this.podAnnotations = this.buildPodAnnotations(props.metrics, configData);
    this.podSpec = this.buildPodSpec(props, extraPorts);
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: metadata(),
      spec: {
        replicas: autoscaling ? undefined : this.replicas,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { ...this.selectorLabels, ...this.trackLabels } },
        strategy: this.rollingUpdateStrategy(props.rollingUpdate ?? {}),
        template: this.podTemplate(this.image),
      },
    });

    this.servicePorts = [
      { name: MAIN_PORT_NAME, port: this.servicePort, targetPort: k8s.IntOrString.fromString(MAIN_PORT_NAME), protocol: 'TCP' },
      ...extraPorts.map((p) => ({
        name: p.name, port: p.servicePort ?? p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP',
      })),
    ];
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: metadata(),
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        ports: this.servicePorts,
        ...this.sessionAffinity(props.sessionAffinityTimeout),
      },
    });

    this.autoscaler = autoscaling ? new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: metadata(),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        metrics: [
          utilizationMetric('cpu', checkPercent(this, 'autoscaling.cpuUtilizationPercent', autoscaling.cpuUtilizationPercent ?? 70)),
          utilizationMetric('memory', checkPercent(this, 'autoscaling.memoryUtilizationPercent', autoscaling.memoryUtilizationPercent ?? 80)),
        ],
        behavior: {
          scaleUp: scalingRules(autoscaling.scaleUp, DEFAULT_SCALE_UP),
          scaleDown: scalingRules(autoscaling.scaleDown, DEFAULT_SCALE_DOWN),
        },
      },
    }) : undefined;

    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: metadata(),
      spec: {
        selector: { matchLabels: this.selectorLabels },
        ...this.disruptionLimit(props.disruptionBudget ?? {}),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    [this.ingress, this.responseHeaders] = props.ingress ? this.createIngress(props.ingress, metadata) : [];
    this.verticalAutoscaler = props.verticalAutoscaling
      ? this.createVerticalAutoscaler(props.verticalAutoscaling, this.autoscaler !== undefined, metadata()) : undefined;

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: metadata(),
      spec: {
        podSelector: { matchLabels: this.selectorLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({ produce: () => this.ingressRules(props) }),
        egress: Lazy.any({ produce: () => this.egressRules(props.egressTo ?? []) }),
      },
    });
    this.node.addValidation({ validate: () => this.unknownPeers(props) });

    this.serviceMonitor = props.metrics === false ? undefined : new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: metadata(),
      spec: {
        // Only the service's own Service: other Services in front of the same pods (a canary's
        // stable and canary Services) must not make Prometheus scrape every pod twice.
        selector: { matchLabels: { ...this.selectorLabels, [COMPONENT_LABEL]: labels[COMPONENT_LABEL] } },
        endpoints: [{
          port: MAIN_PORT_NAME,
          path: this.metricsPath(props.metrics),
          interval: goDuration(props.metrics?.interval ?? Duration.seconds(15)),
        }],
        podTargetLabels: props.metrics?.podTargetLabels,
      },
    });
  }

  /** The services this one calls: GitOps applies them first. */
  public deliveryDependencies(): IConstruct[] {
    return this.egressServices.flatMap((name) => findService(this, this.namespace, name)?.construct ?? []);
  }

  /**
   * The service's pod template running `image`: the same pods, probes, security and
   * configuration, for another workload (a canary track, an Argo Rollout).
   * @param trackLabels labels added to the pods; @default - this construct's `trackLabels`
   */
  public podTemplate(image: string, trackLabels: Record<string, string> = this.trackLabels): k8s.PodTemplateSpec {
    const version = imageVersion(checkPinnedImage(this, 'image', image));
    return {
      metadata: { labels: { ...serviceLabels(this.name, version), version, ...trackLabels }, annotations: this.podAnnotations },
      spec: { ...this.podSpec, containers: this.podSpec.containers.map((c) => ({ ...c, image })) },
    };
  }

  private createVerticalAutoscaler(options: VerticalAutoscalingOptions, withHpa: boolean, metadata: k8s.ObjectMeta): VerticalPodAutoscaler {
    const minCpu = options.minCpu ?? Cpu.millis(100);
    const maxCpu = options.maxCpu ?? Cpu.units(1);
    const minMemory = options.minMemory ?? Size.mebibytes(50);
    const maxMemory = options.maxMemory ?? Size.mebibytes(500);
    if (cpuMillis(minCpu) > cpuMillis(maxCpu)) {
      throw invalidProp(this, 'verticalAutoscaling.minCpu', cpuQuantity(minCpu), `must not exceed 'verticalAutoscaling.maxCpu' (${cpuQuantity(maxCpu)})`);
    }
    if (memoryMiB(minMemory) > memoryMiB(maxMemory)) {
      throw invalidProp(this, 'verticalAutoscaling.minMemory', memoryQuantity(minMemory),
        `must not exceed 'verticalAutoscaling.maxMemory' (${memoryQuantity(maxMemory)})`);
    }
    return new VerticalPodAutoscaler(this, 'VerticalAutoscaler', {
      metadata,
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
        updatePolicy: { updateMode: withHpa ? VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF : VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.AUTO },
        resourcePolicy: {
          containerPolicies: [{
            containerName: this.name,
            controlledValues: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues.REQUESTS_AND_LIMITS,
            minAllowed: {
              cpu: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed.fromString(cpuQuantity(minCpu)),
              memory: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed.fromString(memoryQuantity(minMemory)),
            },
            maxAllowed: {
              cpu: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed.fromString(cpuQuantity(maxCpu)),
              memory: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed.fromString(memoryQuantity(maxMemory)),
            },
          }],
        },
      },
    });
  }

  private createIngress(options: IngressOptions, metadata: (name?: string) => k8s.ObjectMeta): [k8s.KubeIngress, k8s.KubeConfigMap?] {
    const host = options.host;
    if (host.length > 253 || !DNS_NAME.test(host)) {
      throw invalidProp(this, 'ingress.host', host, 'must be a DNS name such as "api.example.com"; the only wildcard allowed is a leading "*."');
    }
    const paths = options.paths ?? [{ path: '/' }];
    paths.forEach((p, i) => checkHttpPath(this, `ingress.paths[${i}].path`, p.path));
    checkInteger(this, 'ingress.rateLimitPerSecond', options.rateLimitPerSecond ?? 20, 1);
    if (options.tls === undefined) {
      throw invalidProp(this, 'ingress.tls', undefined,
        'TLS is on by default and needs a certificate source: IngressTls.fromSecret(name) or IngressTls.fromClusterIssuer(issuer) (or false for plain HTTP)');
    }
    const tls = options.tls === false ? undefined : options.tls;
    const hsts = tls && options.hsts !== false ? hstsHeader(options.hsts ?? {}) : undefined;
    const responseHeaders = hsts ? new k8s.KubeConfigMap(this, 'ResponseHeaders', {
      metadata: metadata(`${this.name}-response-headers`),
      data: { 'Strict-Transport-Security': hsts },
    }) : undefined;
    const annotations: Record<string, string> = {
      ...hardeningAnnotations(options, tls !== undefined),
      ...(responseHeaders ? { [CUSTOM_HEADERS_ANNOTATION]: `${this.namespace}/${responseHeaders.name}` } : {}),
      ...(tls?.clusterIssuer ? { 'cert-manager.io/cluster-issuer': tls.clusterIssuer } : {}),
    };
    const ingress = new k8s.KubeIngress(this, 'Ingress', {
      metadata: { ...metadata(), annotations },
      spec: {
        ingressClassName: options.ingressClassName ?? 'nginx',
        tls: tls ? [{ hosts: [host], secretName: tls.secretName ?? `${this.name}-tls` }] : undefined,
        rules: [{
          host,
          http: {
            paths: paths.map((p) => ({
              path: p.path,
              pathType: p.pathType ?? 'Prefix',
              backend: { service: { name: this.name, port: { name: MAIN_PORT_NAME } } },
            })),
          },
        }],
      },
    });
    return [ingress, responseHeaders];
  }

  private checkNamedPort(port: NamedPort, index: number): NamedPort {
    const prop = `extraPorts[${index}]`;
    if (!PORT_NAME.test(port.name) || port.name.length > 15) {
      throw invalidProp(this, `${prop}.name`, port.name, 'must be an IANA service name: at most 15 lowercase letters, digits or "-"');
    }
    checkPort(this, `${prop}.containerPort`, port.containerPort);
    if (port.servicePort !== undefined) checkPort(this, `${prop}.servicePort`, port.servicePort);
    return port;
  }

  private checkNonSecretVariables(prop: string, variables: Record<string, string>): Record<string, string> {
    for (const name of Object.keys(variables)) {
      if (!ENV_NAME.test(name)) {
        throw invalidProp(this, `${prop}.${name}`, name, 'must be an environment variable name: letters, digits and "_", not starting with a digit');
      }
      if (SECRET_LOOKING_NAME.test(name)) {
        throw invalidProp(this, `${prop}.${name}`, variables[name],
          "looks like a credential, and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)");
      }
    }
    return variables;
  }

  private rollingUpdateStrategy(options: RollingUpdateOptions): k8s.DeploymentStrategy {
    const maxSurge = this.checkSurgeValue('rollingUpdate.maxSurge', options.maxSurge ?? 1);
    const maxUnavailable = this.checkSurgeValue('rollingUpdate.maxUnavailable', options.maxUnavailable ?? 0);
    if (isZero(maxSurge) && isZero(maxUnavailable)) {
      throw invalidProp(this, 'rollingUpdate', options, 'maxSurge and maxUnavailable must not both be 0, or a rollout could never progress');
    }
    return { type: 'RollingUpdate', rollingUpdate: { maxSurge: intOrString(maxSurge), maxUnavailable: intOrString(maxUnavailable) } };
  }

  private checkSurgeValue(prop: string, value: number | string): number | string {
    if (typeof value === 'number') return checkInteger(this, prop, value, 0);
    if (!/^(100|[1-9]?[0-9])%$/.test(value)) throw invalidProp(this, prop, value, 'must be a number of pods or a percentage from "0%" to "100%"');
    return value;
  }

  private sessionAffinity(timeout: Duration | undefined): Partial<k8s.ServiceSpec> {
    if (!timeout) return { sessionAffinity: 'None' };
    const seconds = timeout.toSeconds();
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
      throw invalidProp(this, 'sessionAffinityTimeout', `${seconds}s`, 'must be a whole number of seconds from 1 to 86400 (1 day)');
    }
    return { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: seconds } } };
  }

  private disruptionLimit(options: DisruptionBudgetOptions): Partial<k8s.PodDisruptionBudgetSpec> {
    if (options.minAvailable !== undefined && options.maxUnavailable !== undefined) {
      throw invalidProp(this, 'disruptionBudget', options, 'give either minAvailable or maxUnavailable, not both');
    }
    if (options.minAvailable !== undefined) {
      checkInteger(this, 'disruptionBudget.minAvailable', options.minAvailable, 1);
      if (options.minAvailable >= this.minReplicas) {
        throw invalidProp(this, 'disruptionBudget.minAvailable', options.minAvailable,
          `must be less than the minimum replicas (${this.minReplicas}), or a node drain could never evict a pod`);
      }
      return { minAvailable: k8s.IntOrString.fromNumber(options.minAvailable) };
    }
    const maxUnavailable = checkInteger(this, 'disruptionBudget.maxUnavailable', options.maxUnavailable ?? 1, 1);
    return { maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable) };
  }

  private createRole(secretEnv: Record<string, SecretKeyRef>, metadata: k8s.ObjectMeta): [k8s.KubeRole?, k8s.KubeRoleBinding?] {
    const configMaps = this.configMap ? [this.configMap.name] : [];
    const secrets = [...new Set(Object.values(secretEnv).map((ref) => ref.secretName))].sort();
    if (configMaps.length === 0 && secrets.length === 0) return [];
    const readOnly = (resource: string, names: string[]): k8s.PolicyRule[] =>
      names.length ? [{ apiGroups: [''], resources: [resource], resourceNames: names, verbs: ['get', 'list', 'watch'] }] : [];
    const role = new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [...readOnly('configmaps', configMaps), ...readOnly('secrets', secrets)],
    });
    const binding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccount.name, namespace: this.namespace }],
    });
    return [role, binding];
  }

  private buildPodAnnotations(metrics: MetricsOptions | false | undefined, configData?: Record<string, string>): Record<string, string> {
    const annotations: Record<string, string> = { 'kubectl.kubernetes.io/default-container': this.name };
    if (configData) {
      annotations['checksum/config'] = createHash('sha256').update(JSON.stringify(configData)).digest('hex');
    }
    if (metrics !== false) {
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/path'] = this.metricsPath(metrics);
      annotations['prometheus.io/port'] = String(this.port);
    }
    return annotations;
  }

  private metricsPath(metrics: MetricsOptions | undefined): string {
    return checkHttpPath(this, 'metrics.path', metrics?.path ?? '/metrics');
  }

  private buildPodSpec(props: FintechServiceProps, extraPorts: NamedPort[]): k8s.PodSpec {
    const terminationGrace = props.terminationGracePeriod ?? Duration.seconds(30);
    return {
      serviceAccountName: this.serviceAccount.name,
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: checkInteger(this, 'terminationGracePeriod', terminationGrace.toSeconds(), 1, 3600),
      securityContext: podSecurityContext(props.runAs),
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.selectorLabels } },
          }],
        },
      },
      topologySpreadConstraints: [{
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: this.selectorLabels },
      }],
      containers: [{
        name: this.name,
        image: this.image,
        imagePullPolicy: 'Always',
        ports: [
          { name: MAIN_PORT_NAME, containerPort: this.port, protocol: 'TCP' },
          ...extraPorts.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
        ],
        env: this.containerEnv(props.env ?? {}, props.secretEnv ?? {}),
        envFrom: this.configMap ? [{ configMapRef: { name: this.configMap.name } }] : undefined,
        resources: kubeResources(checkedResources(this, 'resources', props.resources ?? {}, DEFAULT_RESOURCES)),
        livenessProbe: this.httpProbe('livenessProbe', props.livenessProbe ?? { path: '/health' }, Duration.seconds(30), Duration.seconds(10)),
        readinessProbe: this.httpProbe('readinessProbe', props.readinessProbe ?? { path: '/ready' }, Duration.seconds(5), Duration.seconds(5)),
        startupProbe: this.startupProbe(props.startupProbe ?? {}, props.livenessProbe?.path ?? '/health'),
        securityContext: containerSecurityContext(props.runAs),
        volumeMounts: scratchMounts(DEFAULT_SCRATCH_DIRECTORIES),
        terminationMessagePolicy: 'FallbackToLogsOnError',
      }],
      volumes: scratchVolumes(DEFAULT_SCRATCH_DIRECTORIES, '256Mi'),
    };
  }

  private containerEnv(env: Record<string, string>, secretEnv: Record<string, SecretKeyRef>): k8s.EnvVar[] | undefined {
    this.checkNonSecretVariables('env', env);
    for (const name of Object.keys(secretEnv)) {
      if (!ENV_NAME.test(name)) throw invalidProp(this, `secretEnv.${name}`, name, 'must be an environment variable name');
      if (name in env) throw invalidProp(this, `secretEnv.${name}`, name, "is also set in 'env'; each variable must be set once");
      checkDnsLabel(this, `secretEnv.${name}.secretName`, secretEnv[name].secretName);
    }
    const plain = Object.keys(env).sort().map((name) => ({ name, value: env[name] }));
    const fromSecrets = Object.keys(secretEnv).sort().map((name) => ({
      name,
      valueFrom: { secretKeyRef: { name: secretEnv[name].secretName, key: secretEnv[name].key } },
    }));
    const all = [...plain, ...fromSecrets];
    return all.length ? all : undefined;
  }

  private httpProbe(prop: string, options: HttpProbeOptions, defaultDelay: Duration, defaultPeriod: Duration): k8s.Probe {
    return {
      httpGet: { path: checkHttpPath(this, `${prop}.path`, options.path), port: k8s.IntOrString.fromString(MAIN_PORT_NAME) },
      initialDelaySeconds: checkInteger(this, `${prop}.initialDelay`, (options.initialDelay ?? defaultDelay).toSeconds(), 0),
      periodSeconds: checkInteger(this, `${prop}.period`, (options.period ?? defaultPeriod).toSeconds(), 1),
      timeoutSeconds: checkInteger(this, `${prop}.timeout`, (options.timeout ?? Duration.seconds(3)).toSeconds(), 1),
      failureThreshold: checkInteger(this, `${prop}.failureThreshold`, options.failureThreshold ?? 3, 1),
      successThreshold: 1,
    };
  }

  private startupProbe(options: StartupProbeOptions, livenessPath: string): k8s.Probe {
    const period = checkInteger(this, 'startupProbe.period', (options.period ?? Duration.seconds(10)).toSeconds(), 1);
    const window = (options.window ?? Duration.minutes(2)).toSeconds();
    if (window < period) {
      throw invalidProp(this, 'startupProbe.window', `${window}s`, `must be at least the probe period (${period}s)`);
    }
    return {
      httpGet: { path: checkHttpPath(this, 'startupProbe.path', options.path ?? livenessPath), port: k8s.IntOrString.fromString(MAIN_PORT_NAME) },
      periodSeconds: period,
      timeoutSeconds: 3,
      failureThreshold: Math.ceil(window / period),
      successThreshold: 1,
    };
  }

  private ingressRules(props: FintechServiceProps): k8s.NetworkPolicyIngressRule[] {
    const ownPorts = policyPorts([...this.containerPorts.values()].map((port) => ({ port })));
    const fromPeers = (props.ingressFrom ?? []).map((peer) => ({ from: [this.policyPeer(peer)], ports: ownPorts }));
    const onMainPort = (peer: NetworkPeer) => ({ from: [this.policyPeer(peer)], ports: policyPorts([{ port: this.port }]) });
    const controller = props.ingress ? [onMainPort(NetworkPeer.namespace(props.ingress.controllerNamespace ?? 'ingress-nginx'))] : [];
    const scrapers = props.metrics === false ? [] : [onMainPort(props.metricsScrapers ?? NetworkPeer.namespace('monitoring'))];
    return [...controller, ...fromPeers, ...scrapers];
  }

  private egressRules(peers: NetworkPeer[]): k8s.NetworkPolicyEgressRule[] {
    return [
      dnsEgressRule(),
      ...peers.map((peer) => ({ to: [this.policyPeer(peer)], ports: policyPorts(this.egressPorts(peer)) })),
    ];
  }

  private egressPorts(peer: NetworkPeer): readonly PeerPort[] {
    if (peer.kind !== NetworkPeerKind.SERVICE) return peer.ports;
    const target = findService(this, this.namespace, peer.name);
    return target ? [...target.containerPorts.values()].map((port) => ({ port })) : [];
  }

  private policyPeer(peer: NetworkPeer): k8s.NetworkPolicyPeer {
    return peer.kind === NetworkPeerKind.SERVICE ? { podSelector: { matchLabels: selectorLabels(peer.name) } } : peer.toPolicyPeer();
  }

  /** Peers are checked at synth time, once every service of the app is known. */
  private unknownPeers(props: FintechServiceProps): string[] {
    const errors: string[] = [];
    const check = (prop: string, peers: NetworkPeer[]) => peers.forEach((peer, i) => {
      if (peer.kind === NetworkPeerKind.SERVICE && !findService(this, this.namespace, peer.name)) {
        const known = serviceNamesIn(this, this.namespace).filter((n) => n !== this.name);
        errors.push(invalidProp(this, `${prop}[${i}]`, `service ${peer.name}`,
          `names no FintechService in namespace '${this.namespace}'; known: ${known.join(', ') || 'none'}`).message);
      }
      if (peer.kind !== NetworkPeerKind.SERVICE && prop === 'egressTo' && peer.ports.length === 0) {
        errors.push(invalidProp(this, `${prop}[${i}]`, `${peer.kind} ${peer.name}`, 'must name the ports it allows').message);
      }
    });
    check('ingressFrom', props.ingressFrom ?? []);
    check('egressTo', props.egressTo ?? []);
    return errors;
  }
}

function utilizationMetric(resource: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization } } };
}

function intOrString(value: number | string): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}

function isZero(value: number | string): boolean {
  return value === 0 || value === '0%';
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
}
