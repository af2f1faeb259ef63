import { createHash } from 'crypto';
import { ApiObject, Duration, Lazy, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ExternalSecret } from '../imports/externalsecrets-external-secrets.io';
import { ServiceMonitor } from '../imports/servicemonitors-monitoring.coreos.com';
import { VerticalPodAutoscaler } from '../imports/verticalpodautoscalers-autoscaling.k8s.io';
import {
  AutoscalingOptions, createHorizontalAutoscaler, createVerticalAutoscaler, ReplicaBounds, replicaBounds, VerticalAutoscalingOptions,
} from './autoscaling';
import { DeliveryTier, IDeliverable } from './delivery';
import { createExternalSecrets, reloadAnnotations } from './external-secret';
import { createIngress, IngressOptions } from './ingress';
import { checkCardholderEgressPeer, checkIngressPeer, checkNetworkPeer, INetworkPeerTarget, NetworkPeer, PeerPort } from './network-peer';
import { createNetworkPolicy, IngressGrant, peerCovers, peerTargetsOf, PolicyGrant } from './network-policy';
import { containerProbes, HttpProbeOptions, StartupProbeOptions } from './probes';
import { createWorkloadIdentity } from './rbac';
import { SecretKeyRef } from './secret-key-ref';
import {
  DEFAULT_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN, DEFAULT_METRICS_PATH, DEFAULT_NAMESPACE, MONITORING_NAMESPACE,
} from './shared/defaults';
import { goDuration } from './shared/duration';
import { invalidProp } from './shared/errors';
import { classificationLabels, DATA_CLASSIFICATION_LABEL, DataClassification, OWNER_LABEL } from './data-classification';
import { COMPONENT_LABEL, imageVersion, selectorLabels, serviceLabels } from './shared/labels';
import { checkedResources, kubeResources, ResourceDefaults } from './shared/resources';
import {
  containerSecurityContext, DEFAULT_SCRATCH_DIRECTORIES, podSecurityContext, RunAsIdentity, scratchMounts, scratchVolumes,
} from './shared/security';
import {
  checkAnnotation, checkApiVersion, checkArray, checkBoolean, checkEnvVariableSize, checkScrapePath, checkChartNamespace, checkConfigMapSize, checkConstructId, checkContainerPort, checkDnsLabel, checkDnsSubdomain, checkDuration,
  checkInt32, checkInteger, checkKnownKeys, checkLabelKey, checkLabels, checkNoCollidingObjects, checkNoNullOptions, checkNoNulls, checkNotApiServerService, checkNotCredentialName, checkNotGivenAsUndefined,
  checkNotReservedLabels, checkNotSecret, checkNumber, checkPort, checkPortName, checkRecord, checkRunAs,
  checkSecretKeyRef, checkString, checkWorkloadImage, propPath,
} from './shared/validation';

/** An additional port of the service, beside its main HTTP port. */
export interface NamedPort {
  /** Port name (IANA_SVC_NAME: at most 15 lowercase letters, digits, "-"). */
  readonly name: string;
  /** The port the container listens on: 1024 or above. */
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

/** Options of `FintechService.setReplicaBounds`. */
export interface ReplicaBoundsOptions {
  /** Pods of the service's other tracks (a canary Deployment) that its disruption budget also counts. @default 0 */
  readonly podsOnOtherTracks?: number;
}

/** The PodDisruptionBudget: give either `minAvailable` or `maxUnavailable`. */
export interface DisruptionBudgetOptions {
  /** Pods that must stay available during a voluntary disruption (a node drain). @default - not set */
  readonly minAvailable?: number;
  /** Pods that may be evicted at once; 1, or fewer than the minimum replicas. @default 1 (when `minAvailable` is not set) */
  readonly maxUnavailable?: number;
}

/** Prometheus scraping of the service's metrics endpoint. */
export interface MetricsOptions {
  /** @default "/metrics" */
  readonly path?: string;
  /**
   * The container port the metrics endpoint is served on. A port other than `port` gets a
   * container port and a Service port of its own, named `metrics`, which only the metrics
   * scrapers are admitted to (`ingressFrom` peers and the ingress controller are not). A
   * service with an `ingress` needs one: the Ingress routes to `port` from the internet.
   * @default - the serving `port`
   */
  readonly port?: number;
  /** At most 5 minutes, after which Prometheus marks a series stale. @default Duration.seconds(15) */
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
  /**
   * The port the container serves HTTP on (also used for probes, and for metrics unless
   * `metrics.port` is another): 1024 or above, as the container has no capability to listen
   * lower; `servicePort` can be lower.
   */
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
   * Environment variables read from Secrets. Only references: no prop accepts a secret value. A
   * Secret created outside git is referenced with `SecretKeyRef.of(secretName, key)`; one that
   * the External Secrets Operator synchronises from a store with `SecretKeyRef.fromExternalSecret({...})`:
   * the service then creates its ExternalSecret (one per Secret, named after it) and annotates
   * the Deployment so that Stakater Reloader rolls the pods when the Secret changes.
   * @default - none
   */
  readonly secretEnv?: Record<string, SecretKeyRef>;
  /**
   * Who may connect to the service's ports: other FintechServices of the app as objects
   * (`NetworkPeer.service(gateway)`), namespaces, or services outside the app by name. More can
   * be added with `allowFrom`.
   * @default - nobody but the metrics scrapers
   */
  readonly ingressFrom?: NetworkPeer[];
  /** Whom the service may connect to, besides cluster DNS; more can be added with `allowTo`. @default - cluster DNS only */
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
   * hardening (see {@link IngressOptions}); the network policy then admits the controller's namespace
   * to that port. Metrics must then be on a port of their own (`metrics.port`) or off.
   * @default - no Ingress: reachable only inside the cluster
   */
  readonly ingress?: IngressOptions;
  /**
   * A VerticalPodAutoscaler (autoscaling.k8s.io/v1) that recommends, or with autoscaling off
   * sets, the container's requests and limits within these bounds.
   * @default - none
   */
  readonly verticalAutoscaling?: VerticalAutoscalingOptions;
  /**
   * What data the service holds, as the `fintech.io/data-classification` label on every object
   * and pod. `CARDHOLDER` puts it in PCI DSS scope: the segmentation check then requires every
   * connection into it to be declared, and its external peers to name their CIDRs.
   * @default DataClassification.INTERNAL
   */
  readonly dataClassification?: DataClassification;
  /** The team answerable for the service's data, as the `fintech.io/owner` label. @default - no owner label */
  readonly owner?: string;
}

/** The checked props and their resolved defaults, from which the constructor creates the objects. */
interface ServiceSettings {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly version: string;
  readonly port: number;
  readonly servicePort: number;
  readonly replicas: number;
  readonly selectorLabels: Record<string, string>;
  readonly trackLabels: Record<string, string>;
  readonly dataClassification: DataClassification;
  readonly classificationLabels: Record<string, string>;
  readonly extraPorts: readonly NamedPort[];
  readonly containerPorts: readonly PeerPort[];
  /** Undefined when `autoscaling` is `false`. */
  readonly autoscaling?: AutoscalingOptions;
  readonly bounds: ReplicaBounds;
  readonly automountServiceAccountToken: boolean;
  readonly metricsPath?: string;
  readonly metricsPort?: number;
}

const MAIN_PORT_NAME = 'http';
/** The container and Service port of a metrics endpoint that is not on the serving port. */
const METRICS_PORT_NAME = 'metrics';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME_RULE = 'must be an environment variable name: letters, digits and "_", not starting with a digit';
const USE_SECRET_ENV = "use 'secretEnv' with SecretKeyRef.of(secretName, key)";
/** Every prop of {@link FintechServiceProps}: any other name is a misspelling. */
export const FINTECH_SERVICE_PROPS: readonly string[] = [
  'name', 'image', 'port', 'servicePort', 'extraPorts', 'replicas', 'rollingUpdate', 'sessionAffinityTimeout', 'autoscaling',
  'disruptionBudget', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'terminationGracePeriod', 'runAs', 'env', 'config',
  'secretEnv', 'ingressFrom', 'egressTo', 'metricsScrapers', 'metrics', 'automountServiceAccountToken', 'trackLabels', 'ingress',
  'verticalAutoscaling', 'dataClassification', 'owner',
];
const DEFAULT_REPLICAS = 3;
const DEFAULT_METRICS_INTERVAL = Duration.seconds(15);
/** Prometheus marks a series stale 5 minutes after its last sample: a longer interval leaves gaps in every graph and alert. */
const MAX_METRICS_INTERVAL_SECONDS = 300;
/** Annotations the Deployment controller writes itself. */
const CONTROLLER_ANNOTATION_PREFIX = 'deployment.kubernetes.io/';
const DEFAULT_TERMINATION_GRACE = Duration.seconds(30);

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
 * Other constructs change the service only through its methods (`allowFrom`, `allowTo`,
 * `setReplicaBounds`, `delegateScaling`, `addDeploymentAnnotation`, `addDiscoveryLabels`,
 * `allowMetricsScrapersFrom`); what they change is rendered at synth time.
 */
export class FintechService extends Construct implements IDeliverable, INetworkPeerTarget {
  public readonly deliveryTier = DeliveryTier.SERVICES;
  public readonly name: string;
  public readonly namespace: string;
  public readonly image: string;
  /** The image's tag (or a short digest), as the `app.kubernetes.io/version` label. */
  public readonly version: string;
  public readonly port: number;
  public readonly servicePort: number;
  /** The configured pod count; the bounds in force are `minReplicas` and `maxReplicas`. */
  public readonly replicas: number;
  /** Labels that select every pod of the service, whatever its track: derived from the name only. */
  public readonly selectorLabels: Record<string, string>;
  /** Labels of this construct's own Deployment beyond `selectorLabels` (see `trackLabels`). */
  public readonly trackLabels: Record<string, string>;
  public readonly dataClassification: DataClassification;
  /** The data classification and owner labels, on every object and pod of the service. */
  public readonly classificationLabels: Record<string, string>;
  /** The Service's ports, for other Services in front of the same pods. */
  public readonly servicePorts: k8s.ServicePort[];
  /**
   * The ports peers reach the pods on: the main port first, then `extraPorts`; not a metrics port
   * of its own (`metrics.port`), which only the metrics scrapers reach.
   */
  public readonly containerPorts: readonly PeerPort[];
  public readonly automountServiceAccountToken: boolean;
  /** The path Prometheus scrapes; undefined when `metrics` is `false`. */
  public readonly metricsPath?: string;
  /** The container port Prometheus scrapes (`metrics.port`, by default `port`); undefined when `metrics` is `false`. */
  public readonly metricsPort?: number;

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
  /** One per Secret of `secretEnv` made with `SecretKeyRef.fromExternalSecret`, sorted by name; empty without. */
  public readonly externalSecrets: readonly ExternalSecret[];
  /**
   * The annotation (`secret.reloader.stakater.com/reload`) that makes Stakater Reloader roll a
   * Deployment of this service's pods when one of its ExternalSecrets' Secrets changes; empty
   * without ExternalSecrets. Other Deployments of the same pods (a canary track) carry it too.
   */
  public readonly secretReloadAnnotations: Readonly<Record<string, string>>;
  /** The response headers ingress-nginx adds (HSTS); undefined without `ingress` or with `hsts: false`. */
  public readonly responseHeaders?: k8s.KubeConfigMap;

  private readonly extraPorts: readonly NamedPort[];
  private readonly podSpec: k8s.PodSpec;
  private readonly podAnnotations: Record<string, string>;
  private readonly controllerGrants: IngressGrant[] = [];
  private readonly ingressGrants: IngressGrant[] = [];
  private readonly scraperGrants: IngressGrant[] = [];
  private readonly egressGrants: PolicyGrant[] = [];
  private bounds: ReplicaBounds;
  private disruptionBudgetLimit: { readonly minAvailable?: number; readonly maxUnavailable?: number } = {};
  /** The Deployment's annotations, to refuse a second, different value for one key. */
  private readonly deploymentAnnotationValues = new Map<string, string>();
  private scaleTarget: k8s.CrossVersionObjectReferenceV2;
  private scalingDelegated = false;

  constructor(scope: Construct, id: string, props: FintechServiceProps) {
    super(scope, checkConstructId(scope, id, new.target.name));
    const settings = this.checkProps(id, props);
    ({
      name: this.name, namespace: this.namespace, image: this.image, version: this.version, port: this.port, servicePort: this.servicePort,
      replicas: this.replicas, selectorLabels: this.selectorLabels, trackLabels: this.trackLabels, dataClassification: this.dataClassification,
      classificationLabels: this.classificationLabels, extraPorts: this.extraPorts, containerPorts: this.containerPorts, bounds: this.bounds,
      automountServiceAccountToken: this.automountServiceAccountToken, metricsPath: this.metricsPath, metricsPort: this.metricsPort,
    } = settings);
    this.scaleTarget = this.deploymentRef();
    this.node.addValidation({ validate: () => this.duplicateName() });
    // Two services' objects are compared by their names and their ExternalSecrets' own checks.
    checkNoCollidingObjects(this, 'name', this.name, 'give the service another name', (c) => c instanceof FintechService);

    const labels = { ...serviceLabels(this.name, this.version), ...this.classificationLabels };
    const metadata = (name = this.name): k8s.ObjectMeta => ({ name, labels });
    const configData = props.config !== undefined ? sortedRecord(this.checkConfig(props)) : undefined;
    this.configMap = configData ? new k8s.KubeConfigMap(this, 'Config', { metadata: metadata(`${this.name}-config`), data: configData }) : undefined;
    const identity = createWorkloadIdentity(this, {
      metadata: metadata(), namespace: this.namespace, automountServiceAccountToken: this.automountServiceAccountToken,
      configMaps: this.configMap ? [this.configMap.name] : [], secrets: Object.values(this.checkSecretEnv(props)).map((ref) => ref.secretName),
    });
    [this.serviceAccount, this.role, this.roleBinding] = [identity.serviceAccount, identity.role, identity.roleBinding];

    this.podAnnotations = this.buildPodAnnotations(configData);
    this.podSpec = this.buildPodSpec(props);
    const secretEnv = this.checkSecretEnv(props);
    this.externalSecrets = createExternalSecrets(this,
      Object.keys(secretEnv).sort().map((name) => ({ prop: `secretEnv.${name}`, ref: secretEnv[name] })), labels);
    this.secretReloadAnnotations = reloadAnnotations(this.externalSecrets.map((externalSecret) => externalSecret.name));
    if (props.rollingUpdate !== undefined) {
      checkKnownKeys(this, 'rollingUpdate', props.rollingUpdate, ['maxSurge', 'maxUnavailable'], '{ maxSurge: 1 }');
      checkNoNulls(this, props.rollingUpdate, { prefix: 'rollingUpdate' });
    }
    this.deployment = this.createDeployment(props.rollingUpdate ?? {}, { ...metadata(), ...this.deploymentAnnotations() });
    this.servicePorts = this.buildServicePorts();
    this.service = this.createService(props.sessionAffinityTimeout, metadata());
    this.autoscaler = settings.autoscaling
      ? createHorizontalAutoscaler(this, metadata(), settings.autoscaling, () => this.bounds, () => this.scaleTarget) : undefined;
    this.disruptionBudget = this.createDisruptionBudget(props.disruptionBudget ?? {}, metadata());
    const ingress = props.ingress !== undefined
      ? createIngress(this, { name: this.name, namespace: this.namespace, portName: MAIN_PORT_NAME, labels }, props.ingress) : undefined;
    [this.ingress, this.responseHeaders] = [ingress?.ingress, ingress?.responseHeaders];
    if (props.ingress !== undefined) this.checkMetricsNotPublic(props.ingress, props.metrics);
    if (ingress) this.controllerGrants.push({ prop: 'ingress.controllerNamespace', peer: ingress.controller, ports: [{ port: this.port }] });
    this.verticalAutoscaler = props.verticalAutoscaling !== undefined ? createVerticalAutoscaler(this, metadata(), this.deploymentRef(), this.name,
      props.verticalAutoscaling, this.autoscaler !== undefined) : undefined;

    this.networkPolicy = this.createNetworkPolicy(props, metadata());
    this.serviceMonitor = props.metrics === false ? undefined : this.createServiceMonitor(props.metrics ?? {}, metadata());
  }

  /** The autoscaler's lower bound (or the fixed pod count without autoscaling), as rendered. */
  public get minReplicas(): number {
    return this.bounds.min;
  }

  /** The autoscaler's upper bound (or the fixed pod count without autoscaling), as rendered. */
  public get maxReplicas(): number {
    return this.bounds.max;
  }

  /** The services this one calls: GitOps applies them first. */
  public deliveryDependencies(): IConstruct[] {
    return this.egressGrants.flatMap((grant) => grant.peer.target ?? []);
  }

  /** Admits `peer` to every port of the service but a metrics port of its own (as `ingressFrom` does). */
  public allowFrom(peer: NetworkPeer): void {
    const prop = `ingressFrom[${this.ingressGrants.length}]`;
    this.ingressGrants.push({ prop, peer: checkIngressPeer(this, prop, peer), ports: this.containerPorts });
  }

  /** Lets the service connect to `peer` (as `egressTo` does). */
  public allowTo(peer: NetworkPeer): void {
    const prop = `egressTo[${this.egressGrants.length}]`;
    const checked = checkNetworkPeer(this, prop, peer);
    if (this.dataClassification === DataClassification.CARDHOLDER) checkCardholderEgressPeer(this, prop, checked);
    this.egressGrants.push({ prop, peer: checked });
  }

  /**
   * Admits metrics scrapers from `peer` to the metrics port, unless the scrapers admitted already
   * include every pod `peer` selects (the default namespace-wide peer covers any pods of its namespace).
   */
  public allowMetricsScrapersFrom(peer: NetworkPeer): void {
    if (this.metricsPath === undefined) {
      throw invalidProp(this, 'metrics', false, 'is off, so there is no metrics port to admit scrapers to');
    }
    checkIngressPeer(this, this.scraperGrants.length === 0 ? 'metricsScrapers' : `metricsScrapers[${this.scraperGrants.length}]`, peer);
    if (this.scraperGrants.some((grant) => peerCovers(grant.peer, peer))) return;
    this.scraperGrants.push(this.scraperGrant(peer));
  }

  /** Adds labels to the ServiceMonitor, for a Prometheus that selects ServiceMonitors by label. */
  public addDiscoveryLabels(labels: Record<string, string>): void {
    if (!this.serviceMonitor) {
      throw invalidProp(this, 'metrics', false, 'is off, so there is no ServiceMonitor to label');
    }
    checkLabels(this, 'discoveryLabels', labels);
    for (const [key, value] of Object.entries(labels)) {
      const current = this.serviceMonitor.metadata.getLabel(key);
      if (current !== undefined && current !== value) {
        throw invalidProp(this, propPath('discoveryLabels', key), value, `is already set to "${current}" on the ServiceMonitor; a label is set once`);
      }
    }
    for (const [key, value] of Object.entries(labels)) this.serviceMonitor.metadata.addLabel(key, value);
  }

  /** Adds an annotation to the Deployment (not to its pods, so no rollout follows). */
  public addDeploymentAnnotation(key: string, value: string): void {
    checkAnnotation(this, 'deploymentAnnotations', key, value);
    if (key.startsWith(CONTROLLER_ANNOTATION_PREFIX)) {
      throw invalidProp(this, 'deploymentAnnotations', key, `is written by the Deployment controller ("${CONTROLLER_ANNOTATION_PREFIX}*"); choose a key of your own, e.g. "example.com/ticket"`);
    }
    const current = this.deploymentAnnotationValues.get(key);
    if (current !== undefined && current !== value) {
      throw invalidProp(this, propPath('deploymentAnnotations', key), value, Object.prototype.hasOwnProperty.call(this.secretReloadAnnotations, key)
        ? 'is set by the service itself to the Secrets its pods read; leave it out'
        : 'is already set to another value; an annotation is set once');
    }
    this.deploymentAnnotationValues.set(key, value);
    this.deployment.metadata.addAnnotation(key, value);
  }

  /**
   * Sets the replica bounds in force: the autoscaler's minimum and maximum, or without
   * autoscaling the Deployment's fixed count (then `min` must equal `max`). `minReplicas` and
   * `maxReplicas` follow. The disruption budget, which counts every track's pods, must still let a
   * node drain evict a pod.
   */
  public setReplicaBounds(min: number, max: number, options: ReplicaBoundsOptions = {}): void {
    checkInt32(this, 'minReplicas', checkInteger(this, 'minReplicas', min, 1));
    checkInt32(this, 'maxReplicas', checkInteger(this, 'maxReplicas', max, 1));
    if (min > max) throw invalidProp(this, 'minReplicas', min, `must not exceed 'maxReplicas' (${max})`);
    checkKnownKeys(this, 'setReplicaBounds options', options, ['podsOnOtherTracks'], '{ podsOnOtherTracks: 1 }');
    checkNoNullOptions(this, 'setReplicaBounds options', options, ['podsOnOtherTracks']);
    const otherTrackPods = checkInteger(this, 'setReplicaBounds options.podsOnOtherTracks', options.podsOnOtherTracks ?? 0, 0);
    this.checkDisruptionBudgetFits(min + otherTrackPods, 'minReplicas', min,
      otherTrackPods > 0 ? `, counting the ${otherTrackPods} ${otherTrackPods === 1 ? 'pod' : 'pods'} of other tracks` : '');
    if (!this.autoscaler && min !== max) {
      throw invalidProp(this, 'maxReplicas', max, `must equal 'minReplicas' (${min}): autoscaling is off, so the Deployment runs a fixed number of pods`);
    }
    if (!this.autoscaler && this.scalingDelegated) {
      throw invalidProp(this, 'minReplicas', min, `cannot apply: the pod count is owned by ${this.scaleTarget.kind} '${this.scaleTarget.name}'`);
    }
    this.bounds = { min, max };
  }

  /**
   * Hands the pod count to another workload that runs this Deployment's pod template (an Argo
   * Rollout with a `workloadRef`): the autoscaler, if any, scales `target` instead, and the
   * Deployment leaves `replicas` unset.
   */
  public delegateScaling(target: k8s.CrossVersionObjectReferenceV2): void {
    // The workload object itself (an ApiObject) stands for its reference.
    const ref = target instanceof ApiObject ? { apiVersion: target.apiVersion, kind: target.kind, name: target.name } : target;
    checkKnownKeys(this, 'scaleTarget', ref, ['apiVersion', 'kind', 'name'], "{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' }");
    checkApiVersion(this, 'scaleTarget.apiVersion', ref.apiVersion);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(checkString(this, 'scaleTarget.kind', ref.kind, { example: '"Rollout"' }))) {
      throw invalidProp(this, 'scaleTarget.kind', ref.kind, 'must be a Kubernetes kind: a letter in upper case, then letters and digits, e.g. "Rollout"');
    }
    checkNotSecret(this, 'scaleTarget.kind', ref.kind, 'a kind names a type of object, e.g. "Rollout"');
    checkDnsSubdomain(this, 'scaleTarget.name', ref.name);
    const owner = this.scaleTarget;
    if (this.scalingDelegated && (owner.apiVersion !== ref.apiVersion || owner.kind !== ref.kind || owner.name !== ref.name)) {
      throw invalidProp(this, 'scaleTarget', { ...ref }, `cannot take the pod count: ${owner.kind} '${owner.name}' (${owner.apiVersion}) already owns it; one workload scales the pods`);
    }
    this.scalingDelegated = true;
    this.scaleTarget = { ...ref };
  }

  /**
   * The service's pod template running `image`: the same pods, probes, security and
   * configuration, for another workload (a canary track, an Argo Rollout).
   * @param trackLabels labels added to the pods; @default - this construct's `trackLabels`
   */
  public podTemplate(image: string, trackLabels: Record<string, string> = this.trackLabels): k8s.PodTemplateSpec {
    const version = imageVersion(this.checkImage('image', image));
    this.checkTrackLabels('trackLabels', trackLabels);
    return {
      metadata: {
        labels: { ...serviceLabels(this.name, version), ...this.classificationLabels, version, ...trackLabels },
        annotations: this.podAnnotations,
      },
      spec: { ...this.podSpec, containers: this.podSpec.containers.map((c) => ({ ...c, image })) },
    };
  }

  /** Admits the ingress controller, `ingressFrom` and the metrics scrapers; allows `egressTo`. Peers added later show too. */
  /** Checks the props that every object depends on and resolves their defaults, in the order the errors are reported. */
  private checkProps(id: string, props: FintechServiceProps): ServiceSettings {
    checkKnownKeys(this, 'props', props, FINTECH_SERVICE_PROPS, "{ image: 'registry/fintech/payments:1.4.2', port: 8080 }");
    // Without 'name', the id names every object: a mistake in it is reported as the id's.
    const name = props.name === undefined || props.name === null
      ? checkDnsLabel(this, 'id', id, { startsWithLetter: true }) : checkDnsLabel(this, 'name', props.name, { startsWithLetter: true });
    const namespace = checkChartNamespace(this) ?? DEFAULT_NAMESPACE;
    checkNotApiServerService(this, props.name === undefined || props.name === null ? 'id' : 'name', name, namespace);
    const image = this.checkImage('image', props.image);
    const port = checkContainerPort(this, 'port', checkNumber(this, 'port', props.port));
    const servicePort = checkPort(this, 'servicePort', checkNumber(this, 'servicePort', props.servicePort ?? port));
    const replicas = checkInt32(this, 'replicas', checkInteger(this, 'replicas', checkNumber(this, 'replicas', props.replicas ?? DEFAULT_REPLICAS), 1));
    checkNoNulls(this, props);
    const trackLabels = this.checkTrackLabels('trackLabels', props.trackLabels ?? {});
    checkNotGivenAsUndefined(this, props, 'dataClassification', 'a DataClassification, e.g. DataClassification.CARDHOLDER');
    const classification = classificationLabels(this, props.dataClassification ?? DataClassification.INTERNAL, props.owner);
    const extraPorts = this.checkExtraPorts(
      checkArray<NamedPort>(this, 'extraPorts', props.extraPorts ?? [], "[{ name: 'grpc', containerPort: 9090 }]"), port, servicePort);
    const autoscaling = props.autoscaling === false ? undefined : (props.autoscaling ?? {});
    const bounds = replicaBounds(this, replicas, autoscaling);
    if (props.replicas !== undefined && autoscaling?.minReplicas !== undefined && autoscaling.minReplicas !== props.replicas) {
      throw invalidProp(this, 'autoscaling.minReplicas', autoscaling.minReplicas,
        `contradicts 'replicas' (${props.replicas}), which is the autoscaler's minimum when autoscaling is on: give one of the two`);
    }
    const automountServiceAccountToken = checkBoolean(this, 'automountServiceAccountToken',
      props.automountServiceAccountToken ?? DEFAULT_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN);
    if (props.metrics !== undefined && props.metrics !== false) {
      checkKnownKeys(this, 'metrics', props.metrics, ['path', 'port', 'interval', 'podTargetLabels'], "{ path: '/metrics' } or false");
      checkNoNulls(this, props.metrics, { prefix: 'metrics' });
    }
    if (props.metrics === false && props.metricsScrapers !== undefined) {
      throw invalidProp(this, 'metricsScrapers', props.metricsScrapers, "has nothing to scrape: 'metrics' is false; leave one of the two out");
    }
    return {
      name, namespace, image, version: imageVersion(image), port, servicePort, replicas,
      selectorLabels: selectorLabels(name), trackLabels, dataClassification: classification.classification,
      classificationLabels: classification.labels, extraPorts, containerPorts: [port, ...extraPorts.map((p) => p.containerPort)].map((p) => ({ port: p })),
      autoscaling, bounds, automountServiceAccountToken,
      metricsPath: props.metrics === false ? undefined : checkScrapePath(this, 'metrics.path', props.metrics?.path ?? DEFAULT_METRICS_PATH),
      metricsPort: props.metrics === false ? undefined : this.checkMetricsPort(props.metrics?.port, port, servicePort, extraPorts),
    };
  }

  private createNetworkPolicy(props: FintechServiceProps, metadata: k8s.ObjectMeta): k8s.KubeNetworkPolicy {
    const policy = createNetworkPolicy(this, metadata, this.selectorLabels, {
      ingress: () => [...this.controllerGrants, ...this.ingressGrants, ...this.scraperGrants],
      egress: () => this.egressGrants,
    });
    checkArray<NetworkPeer>(this, 'ingressFrom', props.ingressFrom ?? [], "[NetworkPeer.namespace('ingress-nginx')]").forEach((peer) => this.allowFrom(peer));
    checkArray<NetworkPeer>(this, 'egressTo', props.egressTo ?? [], "[NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')]")
      .forEach((peer) => this.allowTo(peer));
    if (props.metrics !== false) {
      const scrapers = checkIngressPeer(this, 'metricsScrapers', props.metricsScrapers ?? NetworkPeer.namespace(MONITORING_NAMESPACE));
      this.scraperGrants.push(this.scraperGrant(scrapers));
    }
    return policy;
  }

  private deploymentAnnotations(): Partial<k8s.ObjectMeta> {
    for (const [key, value] of Object.entries(this.secretReloadAnnotations)) this.deploymentAnnotationValues.set(key, value);
    return Object.keys(this.secretReloadAnnotations).length ? { annotations: { ...this.secretReloadAnnotations } } : {};
  }

  private deploymentRef(): k8s.CrossVersionObjectReferenceV2 {
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name };
  }

  private scraperGrant(peer: NetworkPeer): IngressGrant {
    const prop = this.scraperGrants.length === 0 ? 'metricsScrapers' : `metricsScrapers[${this.scraperGrants.length}]`;
    return { prop, peer, ports: [{ port: this.metricsPort! }] };
  }

  /** Whether the metrics endpoint has a port of its own (`metrics.port` other than `port`). */
  private get ownMetricsPort(): boolean {
    return this.metricsPort !== undefined && this.metricsPort !== this.port;
  }

  /**
   * `metrics.port`: the serving port, or a port of its own whose number no other container port
   * and no Service port uses (the Service exposes it under the same number), named `metrics`.
   */
  private checkMetricsPort(given: number | undefined, port: number, servicePort: number, extraPorts: readonly NamedPort[]): number {
    if (given === undefined) return port;
    const metricsPort = checkContainerPort(this, 'metrics.port', checkNumber(this, 'metrics.port', given));
    if (metricsPort === port) return port;
    const taken = [
      ...(servicePort === metricsPort ? ["'servicePort'"] : []),
      ...extraPorts.flatMap((p, i) => [
        ...(p.containerPort === metricsPort ? [`'extraPorts[${i}].containerPort'`] : []),
        ...((p.servicePort ?? p.containerPort) === metricsPort && p.containerPort !== metricsPort ? [`'extraPorts[${i}].servicePort'`] : []),
      ]),
    ];
    if (taken.length) {
      throw invalidProp(this, 'metrics.port', metricsPort, `is already ${taken[0]}; the metrics port needs a number of its own `
        + `(the container and the Service expose it under that number), or the serving 'port' (${port})`);
    }
    const named = extraPorts.findIndex((p) => p.name === METRICS_PORT_NAME);
    if (named !== -1) {
      throw invalidProp(this, `extraPorts[${named}].name`, METRICS_PORT_NAME,
        `is the name of the metrics port, which 'metrics.port' (${metricsPort}) adds; each port needs its own name`);
    }
    return metricsPort;
  }

  /**
   * An Ingress routes the internet to the serving port: metrics served there would be public
   * (internal names, request volumes, business numbers), so they need a port of their own.
   */
  private checkMetricsNotPublic(ingress: IngressOptions, metrics: MetricsOptions | false | undefined): void {
    if (metrics === false || this.ownMetricsPort) return;
    const routes = (ingress.paths ?? [{ path: '/' }]).map((p) => JSON.stringify(p.path)).join(', ');
    const used = [this.port, this.servicePort, ...this.extraPorts.flatMap((p) => [p.containerPort, p.servicePort ?? p.containerPort])];
    let example = 9090;
    while (used.includes(example)) example++;
    throw invalidProp(this, 'metrics.port', this.port,
      `${metrics?.port === undefined ? 'defaults to' : 'is'} the serving 'port', to which the Ingress routes ${routes} from the internet, `
      + `so "${this.metricsPath}" would be public; serve metrics on a port only the metrics scrapers reach with metrics: { port: <another port> } `
      + `(e.g. ${example}), or turn them off with metrics: false`);
  }

  /** Two services of one name in a namespace would select each other's pods: the second is refused. */
  private duplicateName(): string[] {
    const first = peerTargetsOf(this).find((c) => c instanceof FintechService && c.namespace === this.namespace && c.name === this.name);
    if (!first || first === this) return [];
    return [invalidProp(this, 'name', this.name,
      `a service of that name already exists in namespace '${this.namespace}' (${first.node.path}); names must be unique`).message];
  }

  /**
   * An object of this service with the kind, namespace and name of an object another kind of
   * construct emits (a canary's track Deployment, an environment's default-deny policy): the API
   * server would keep only one of them. Two services of one name are {@link duplicateName}'s.
   */
  private checkExtraPorts(extraPorts: readonly NamedPort[], port: number, servicePort: number): NamedPort[] {
    const checked = extraPorts.map((p, i) => this.checkNamedPort(p, i));
    const main = { name: MAIN_PORT_NAME, containerPort: port, servicePort };
    const taken = (field: keyof typeof main, value: unknown, upTo: number): string | undefined => {
      if (main[field] === value) return field === 'name' ? "the main port's name" : `'${field === 'containerPort' ? 'port' : 'servicePort'}'`;
      const other = checked.slice(0, upTo).findIndex((p) => (field === 'servicePort' ? p.servicePort ?? p.containerPort : p[field]) === value);
      return other === -1 ? undefined : `'extraPorts[${other}].${field}'`;
    };
    checked.forEach((p, i) => {
      for (const [field, value] of [['name', p.name], ['containerPort', p.containerPort], ['servicePort', p.servicePort ?? p.containerPort]] as const) {
        const owner = taken(field, value, i);
        if (owner) throw invalidProp(this, `extraPorts[${i}].${field}`, value, `is already ${owner}; each port needs its own ${field === 'name' ? 'name' : 'number'}`);
      }
    });
    return checked;
  }

  /** The image of the pods: a pullable reference, pinned to a version that is a label value. */
  private checkImage(prop: string, image: string): string {
    return checkWorkloadImage(this, prop, image);
  }

  /** Track labels: valid labels, none of those the service sets itself (they select its pods and state its classification). */
  private checkTrackLabels(prop: string, labels: Record<string, string>): Record<string, string> {
    checkLabels(this, prop, labels);
    checkNotReservedLabels(this, prop, labels, [...Object.keys(serviceLabels('service', 'version')), 'version', DATA_CLASSIFICATION_LABEL, OWNER_LABEL]);
    return labels;
  }

  /** `config`: plain variables, none also set by `env` or `secretEnv`, at most what a ConfigMap holds. */
  private checkConfig(props: FintechServiceProps): Record<string, string> {
    const config = this.checkNonSecretVariables('config', props.config ?? {});
    const longKey = Object.keys(config).find((name) => name.length > 253);
    if (longKey !== undefined) throw invalidProp(this, 'config', longKey, `must be a ConfigMap key of at most 253 characters, not ${longKey.length}`);
    for (const [other, variables] of [['env', props.env], ['secretEnv', props.secretEnv]] as const) {
      const both = Object.keys(config).find((name) => variables !== null && typeof variables === 'object' && Object.prototype.hasOwnProperty.call(variables, name));
      if (both !== undefined) {
        throw invalidProp(this, propPath('config', both), both, `is also set in '${other}', which would silently override it; each variable must be set once`);
      }
    }
    checkConfigMapSize(this, 'config', config);
    for (const [name, value] of Object.entries(config)) checkEnvVariableSize(this, propPath('config', name), name, value);
    return config;
  }

  private createDeployment(rollingUpdate: RollingUpdateOptions, metadata: k8s.ObjectMeta): k8s.KubeDeployment {
    return new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        // Unset while an autoscaler (or another workload) owns the count, or GitOps would reset it.
        replicas: Lazy.any({ produce: () => (this.autoscaler || this.scalingDelegated ? undefined : this.bounds.min) }),
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { ...this.selectorLabels, ...this.trackLabels } },
        strategy: this.rollingUpdateStrategy(rollingUpdate),
        template: this.podTemplate(this.image),
      },
    });
  }

  private buildServicePorts(): k8s.ServicePort[] {
    return [
      { name: MAIN_PORT_NAME, port: this.servicePort, targetPort: k8s.IntOrString.fromString(MAIN_PORT_NAME), protocol: 'TCP' },
      ...this.extraPorts.map((p) => ({
        name: p.name, port: p.servicePort ?? p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP',
      })),
      ...(this.ownMetricsPort
        ? [{ name: METRICS_PORT_NAME, port: this.metricsPort!, targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME), protocol: 'TCP' }] : []),
    ];
  }

  private createService(sessionAffinityTimeout: Duration | undefined, metadata: k8s.ObjectMeta): k8s.KubeService {
    return new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        ports: this.servicePorts,
        ...this.sessionAffinity(sessionAffinityTimeout),
      },
    });
  }

  private createDisruptionBudget(options: DisruptionBudgetOptions, metadata: k8s.ObjectMeta): k8s.KubePodDisruptionBudget {
    return new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata,
      spec: {
        selector: { matchLabels: this.selectorLabels },
        ...this.disruptionLimit(options),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }

  private createServiceMonitor(metrics: MetricsOptions, metadata: k8s.ObjectMeta): ServiceMonitor {
    return new ServiceMonitor(this, 'ServiceMonitor', {
      metadata,
      spec: {
        // Only the service's own Service: other Services in front of the same pods (a canary's
        // stable and canary Services) must not make Prometheus scrape every pod twice.
        selector: { matchLabels: { ...this.selectorLabels, [COMPONENT_LABEL]: metadata.labels![COMPONENT_LABEL] } },
        endpoints: [{
          port: this.ownMetricsPort ? METRICS_PORT_NAME : MAIN_PORT_NAME,
          path: this.metricsPath,
          interval: goDuration(Duration.seconds(checkDuration(this, 'metrics.interval', metrics.interval ?? DEFAULT_METRICS_INTERVAL,
            { maxSeconds: MAX_METRICS_INTERVAL_SECONDS, example: 'e.g. Duration.seconds(15)' }))),
        }],
        podTargetLabels: metrics.podTargetLabels === undefined ? undefined
          : checkArray<string>(this, 'metrics.podTargetLabels', metrics.podTargetLabels, "['track', 'version']")
            .map((key, i) => checkLabelKey(this, `metrics.podTargetLabels[${i}]`, key)),
      },
    });
  }

  private checkNamedPort(port: NamedPort, index: number): NamedPort {
    const prop = `extraPorts[${index}]`;
    checkKnownKeys(this, prop, port, ['name', 'containerPort', 'servicePort'], "{ name: 'grpc', containerPort: 9090 }");
    checkPortName(this, `${prop}.name`, port.name);
    checkContainerPort(this, `${prop}.containerPort`, checkNumber(this, `${prop}.containerPort`, port.containerPort));
    if (port.servicePort !== undefined) checkPort(this, `${prop}.servicePort`, checkNumber(this, `${prop}.servicePort`, port.servicePort));
    return port;
  }

  /** Plain variables (`env`, `config`): names that are variable names and do not say "credential", string values that are not credentials. */
  private checkNonSecretVariables(prop: string, variables: Record<string, string>): Record<string, string> {
    checkRecord(this, prop, variables, '{ LOG_LEVEL: "info" }');
    for (const [name, value] of Object.entries(variables)) {
      const at = propPath(prop, name);
      if (!ENV_NAME.test(name)) {
        throw invalidProp(this, at, name, ENV_NAME_RULE);
      }
      checkNotCredentialName(this, at, name, USE_SECRET_ENV);
      checkNotSecret(this, at, name, 'variable names are readable by anyone who can read the Deployment; keep secrets in a Secret');
      checkString(this, at, value, { allowEmpty: true, example: '"8080" rather than 8080' });
      checkNotSecret(this, at, value, USE_SECRET_ENV);
    }
    return variables;
  }

  /** `secretEnv`: variable names, each a SecretKeyRef whose Secret name is a DNS-1123 label. */
  private checkSecretEnv(props: FintechServiceProps): Record<string, SecretKeyRef> {
    const secretEnv = checkRecord<SecretKeyRef>(this, 'secretEnv', props.secretEnv ?? {}, "{ DB_PASSWORD: SecretKeyRef.of('payments-db', 'password') }");
    for (const [name, ref] of Object.entries(secretEnv)) {
      const at = propPath('secretEnv', name);
      if (!ENV_NAME.test(name)) throw invalidProp(this, at, name, ENV_NAME_RULE);
      checkNotSecret(this, at, name, 'variable names are readable by anyone who can read the Deployment; keep secrets in a Secret');
      checkSecretKeyRef(this, at, ref, `the value of ${at.slice('secretEnv.'.length)}`);
      checkDnsLabel(this, `${at}.secretName`, ref.secretName);
    }
    return { ...secretEnv };
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
    if (typeof value === 'number') return checkInt32(this, prop, checkInteger(this, prop, value, 0));
    if (typeof value !== 'string' || !/^(100|[1-9]?[0-9])%$/.test(value)) throw invalidProp(this, prop, value, 'must be a number of pods or a percentage from "0%" to "100%"');
    return value;
  }

  private sessionAffinity(timeout: Duration | undefined): Partial<k8s.ServiceSpec> {
    if (timeout === undefined) return { sessionAffinity: 'None' };
    const seconds = checkDuration(this, 'sessionAffinityTimeout', timeout, { maxSeconds: 86400, example: 'e.g. Duration.hours(3)' });
    return { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: seconds } } };
  }

  private disruptionLimit(options: DisruptionBudgetOptions): Partial<k8s.PodDisruptionBudgetSpec> {
    checkKnownKeys(this, 'disruptionBudget', options, ['minAvailable', 'maxUnavailable'], '{ maxUnavailable: 1 }');
    checkNoNulls(this, options, { prefix: 'disruptionBudget' });
    const count = (name: keyof DisruptionBudgetOptions): number | undefined => (options[name] === undefined ? undefined
      : checkInt32(this, `disruptionBudget.${name}`, checkInteger(this, `disruptionBudget.${name}`, checkNumber(this, `disruptionBudget.${name}`, options[name]), 1)));
    const minAvailable = count('minAvailable');
    const maxUnavailable = count('maxUnavailable');
    if (minAvailable !== undefined && maxUnavailable !== undefined) {
      throw invalidProp(this, 'disruptionBudget', options, 'give either minAvailable or maxUnavailable, not both');
    }
    this.disruptionBudgetLimit = minAvailable !== undefined ? { minAvailable } : { maxUnavailable: maxUnavailable ?? 1 };
    const [prop, value] = Object.entries(this.disruptionBudgetLimit)[0];
    this.checkDisruptionBudgetFits(this.minReplicas, `disruptionBudget.${prop}`, value, '');
    return { [prop]: k8s.IntOrString.fromNumber(value) };
  }

  /**
   * Refuses a disruption budget that, with `pods` selected, would block every node drain
   * (`minAvailable` not below `pods`) or allow evicting every pod at once (`maxUnavailable` above 1
   * and not below `pods`). `prop` and `value` name what the caller set; `podsNote` says which pods count.
   */
  private checkDisruptionBudgetFits(pods: number, prop: string, value: number, podsNote: string): void {
    const { minAvailable, maxUnavailable } = this.disruptionBudgetLimit;
    const fromBudget = prop.startsWith('disruptionBudget.');
    if (minAvailable !== undefined && minAvailable >= pods) {
      throw invalidProp(this, prop, value, fromBudget
        ? `must be less than the minimum replicas (${pods}), or a node drain could never evict a pod`
        : `must keep more pods than 'disruptionBudget.minAvailable' (${minAvailable})${podsNote}, or a node drain could never evict a pod`);
    }
    if (maxUnavailable !== undefined && maxUnavailable > 1 && maxUnavailable >= pods) {
      throw invalidProp(this, prop, value, fromBudget
        ? `must be less than the minimum replicas (${pods}), or a node drain could evict every pod at once`
        : `must keep more pods than 'disruptionBudget.maxUnavailable' (${maxUnavailable})${podsNote}, or a node drain could evict every pod at once`);
    }
  }

  private buildPodAnnotations(configData?: Record<string, string>): Record<string, string> {
    const annotations: Record<string, string> = { 'kubectl.kubernetes.io/default-container': this.name };
    if (configData) {
      annotations['checksum/config'] = createHash('sha256').update(JSON.stringify(configData)).digest('hex');
    }
    if (this.metricsPath !== undefined) {
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/path'] = this.metricsPath;
      annotations['prometheus.io/port'] = String(this.metricsPort);
    }
    return annotations;
  }

  private buildPodSpec(props: FintechServiceProps): k8s.PodSpec {
    const terminationGrace = checkDuration(this, 'terminationGracePeriod', props.terminationGracePeriod ?? DEFAULT_TERMINATION_GRACE,
      { maxSeconds: 3600, example: 'e.g. Duration.seconds(30)' });
    const runAs = checkRunAs(this, 'runAs', props.runAs);
    return {
      serviceAccountName: this.serviceAccount.name,
      automountServiceAccountToken: this.automountServiceAccountToken,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: terminationGrace,
      securityContext: podSecurityContext(runAs),
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
          ...this.extraPorts.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
          ...(this.ownMetricsPort ? [{ name: METRICS_PORT_NAME, containerPort: this.metricsPort!, protocol: 'TCP' }] : []),
        ],
        env: this.containerEnv(props.env ?? {}, this.checkSecretEnv(props)),
        envFrom: this.configMap ? [{ configMapRef: { name: this.configMap.name } }] : undefined,
        resources: kubeResources(checkedResources(this, 'resources', props.resources ?? {}, DEFAULT_RESOURCES)),
        ...containerProbes(this, props, MAIN_PORT_NAME),
        securityContext: containerSecurityContext(runAs),
        volumeMounts: scratchMounts(DEFAULT_SCRATCH_DIRECTORIES),
        terminationMessagePolicy: 'FallbackToLogsOnError',
      }],
      volumes: scratchVolumes(DEFAULT_SCRATCH_DIRECTORIES, '256Mi'),
    };
  }

  private containerEnv(env: Record<string, string>, secretEnv: Record<string, SecretKeyRef>): k8s.EnvVar[] | undefined {
    this.checkNonSecretVariables('env', env);
    for (const [name, value] of Object.entries(env)) checkEnvVariableSize(this, propPath('env', name), name, value);
    for (const name of Object.keys(secretEnv)) {
      if (name in env) throw invalidProp(this, `secretEnv.${name}`, name, "is also set in 'env'; each variable must be set once");
    }
    const plain = Object.keys(env).sort().map((name) => ({ name, value: env[name] }));
    const fromSecrets = Object.keys(secretEnv).sort().map((name) => ({
      name,
      valueFrom: { secretKeyRef: { name: secretEnv[name].secretName, key: secretEnv[name].key } },
    }));
    const all = [...plain, ...fromSecrets];
    return all.length ? all : undefined;
  }
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
