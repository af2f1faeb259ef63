/**
 * Static best-practice checks for plain Kubernetes manifests. Each check re-implements one check
 * of a tool that cannot run on this machine (kube-score, Polaris, the Pod Security Admission
 * "restricted" profile) plus a few platform rules (secrets, RBAC). The check id names its source:
 *
 *   pss:<id>          Pod Security Standard "restricted", v1.28 (ids of k8s.io/pod-security-admission/policy)
 *   kube-score:<id>   kube-score default checks (`kube-score list`)
 *   polaris:<id>      Polaris default checks (ids of pkg/config/checks/*.yaml)
 *   secrets:<id>      no secret material in the manifests
 *   rbac:<id>         least-privilege RBAC
 *
 * Every check is a pure function of the parsed objects: `checkObjects(objects)` returns every
 * finding, sorted, so a test can `expect(checkObjects(objects)).toEqual([])` and print them all.
 */

export interface Finding {
  /** e.g. `kube-score:container-resources` */
  check: string;
  /** `Kind/namespace/name` (namespace empty for cluster-scoped objects) */
  object: string;
  message: string;
}

type Labels = Record<string, string>;

/** A pod template of a workload (or a bare Pod), with what the checks need from its owner. */
export interface PodTemplate {
  owner: any;
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  labels: Labels;
  annotations: Labels;
  spec: any;
}

export interface Context {
  objects: any[];
  pods: PodTemplate[];
}

export interface Check {
  id: string;
  description: string;
  run(ctx: Context): Finding[];
}

// ---------------------------------------------------------------------------------------------
// Object helpers
// ---------------------------------------------------------------------------------------------

export const namespaceOf = (o: any): string => o?.metadata?.namespace ?? '';
export const refOf = (o: any): string => `${o?.kind}/${namespaceOf(o)}/${o?.metadata?.name}`;

const TEMPLATE_OF: Record<string, (o: any) => any[]> = {
  Deployment: (o) => [o.spec?.template],
  StatefulSet: (o) => [o.spec?.template],
  DaemonSet: (o) => [o.spec?.template],
  ReplicaSet: (o) => [o.spec?.template],
  ReplicationController: (o) => [o.spec?.template],
  Job: (o) => [o.spec?.template],
  CronJob: (o) => [o.spec?.jobTemplate?.spec?.template],
  Pod: (o) => [o],
  // Argo Rollouts: a Rollout with `workloadRef` instead of a template has no template of its own (the
  // referenced Deployment is checked as a Deployment); an AnalysisTemplate's job metrics run Jobs.
  Rollout: (o) => (isArgo(o) ? [o.spec?.template] : []),
  AnalysisTemplate: (o) => (isArgo(o) ? (o.spec?.metrics ?? []).map((m: any) => m.provider?.job?.spec?.template) : []),
};

const isArgo = (o: any) => String(o.apiVersion).startsWith('argoproj.io/');

/** Kinds whose pod count is `spec.replicas` (or the HPA's `minReplicas` when one targets them). */
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout']);
/** Kinds whose pods run to completion. */
const BATCH = new Set(['Job', 'CronJob', 'AnalysisTemplate']);

export function podTemplates(objects: any[]): PodTemplate[] {
  return objects.flatMap((o) => (TEMPLATE_OF[o?.kind]?.(o) ?? []).filter((t) => t?.spec).map((template) => ({
    owner: o, ref: refOf(o), kind: o.kind, namespace: namespaceOf(o), name: o.metadata?.name,
    labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {}, spec: template.spec,
  })));
}

type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';
const ALL_CONTAINERS: ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'];

export function containersOf(spec: any, lists: ContainerList[] = ALL_CONTAINERS): any[] {
  return lists.flatMap((list) => spec?.[list] ?? []);
}

/**
 * The pods the Prometheus Operator runs for a Prometheus or Alertmanager resource, as the labels
 * it sets on them (`app.kubernetes.io/name`, `app.kubernetes.io/instance`, and `prometheus: <name>`
 * or `alertmanager: <name>`) plus `spec.podMetadata.labels`: Services and disruption budgets may
 * select them although no pod template of theirs is in the output.
 */
export function operatorPods(objects: any[]): Array<{ namespace: string; labels: Labels }> {
  return objects
    .filter((o) => o?.apiVersion === 'monitoring.coreos.com/v1' && (o.kind === 'Prometheus' || o.kind === 'Alertmanager'))
    .map((o) => {
      const component = o.kind.toLowerCase();
      return {
        namespace: namespaceOf(o),
        labels: {
          ...o.spec?.podMetadata?.labels,
          'app.kubernetes.io/name': component,
          'app.kubernetes.io/instance': o.metadata.name,
          'app.kubernetes.io/managed-by': 'prometheus-operator',
          [component]: o.metadata.name,
        },
      };
    });
}

const inNamespace = (ctx: Context, kind: string, namespace: string) =>
  ctx.objects.filter((o) => o?.kind === kind && namespaceOf(o) === namespace);

/** Whether a metav1.LabelSelector selects `labels`; `null`/absent selects nothing, `{}` selects everything. */
export function selectorMatches(selector: any, labels: Labels): boolean {
  if (selector === null || selector === undefined) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const ok = operator === 'In' ? has && values.includes(labels[key])
      : operator === 'NotIn' ? !has || !values.includes(labels[key])
        : operator === 'Exists' ? has
          : operator === 'DoesNotExist' ? !has
            : false;
    if (!ok) return false;
  }
  return true;
}

const isEmptySelector = (selector: any) =>
  !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);

/** A Service's plain-map selector: an empty or missing one selects no pod. */
export const serviceSelectorMatches = (selector: Labels | undefined, labels: Labels) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The HPA (if any) whose scaleTargetRef names the owner of `pod`. */
function hpaFor(ctx: Context, pod: PodTemplate): any | undefined {
  return inNamespace(ctx, 'HorizontalPodAutoscaler', pod.namespace).find((h) => targetsOwner(h.spec?.scaleTargetRef, pod.owner));
}

function targetsOwner(ref: any, owner: any): boolean {
  if (!ref || ref.kind !== owner.kind || ref.name !== owner.metadata?.name) return false;
  return ref.apiVersion === undefined || groupOf(ref.apiVersion) === groupOf(owner.apiVersion);
}

const groupOf = (apiVersion: string) => (String(apiVersion).includes('/') ? String(apiVersion).split('/')[0] : '');

/** The number of pods a workload keeps running: the HPA's minReplicas, else spec.replicas (default 1). */
function expectedReplicas(ctx: Context, pod: PodTemplate): number | undefined {
  if (!REPLICATED.has(pod.kind)) return undefined;
  const hpa = hpaFor(ctx, pod);
  if (hpa) return hpa.spec?.minReplicas ?? 1;
  return pod.owner.spec?.replicas ?? 1;
}

/** Runs more than one pod (kube-score's condition for anti-affinity and disruption budgets). */
const isReplicated = (ctx: Context, pod: PodTemplate) => (expectedReplicas(ctx, pod) ?? 0) > 1 || !!hpaFor(ctx, pod);

const isBatch = (pod: PodTemplate) => BATCH.has(pod.kind);

const isMissingQuantity = (q: unknown) => q === undefined || q === null || q === '' || parseFloat(String(q)) === 0;

/** `intOrPercent` of `total`, rounded up as the disruption controller does for minAvailable. */
function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  return match ? Math.ceil((Number(match[1]) * total) / 100) : Number(value);
}

/** The image's tag, or undefined for none; an image pinned by digest counts as tagged. */
export function imageTag(image: string): string | undefined {
  if (!image) return undefined;
  if (image.includes('@')) return image.slice(image.indexOf('@') + 1);
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) || undefined : undefined;
}

function policyTypesOf(policy: any): string[] {
  return policy.spec?.policyTypes ?? ['Ingress', ...((policy.spec?.egress ?? []).length > 0 ? ['Egress'] : [])];
}

// ---------------------------------------------------------------------------------------------
// Check builders
// ---------------------------------------------------------------------------------------------

type Messages = Array<string | false | null | undefined>;
const clean = (messages: Messages): string[] => messages.filter((m): m is string => typeof m === 'string');

function objectCheck(id: string, description: string, kinds: string[] | '*', fn: (o: any, ctx: Context) => Messages): Check {
  return {
    id, description,
    run: (ctx) => ctx.objects
      .filter((o) => o && (kinds === '*' || kinds.includes(o.kind)))
      .flatMap((o) => clean(fn(o, ctx)).map((message) => ({ check: id, object: refOf(o), message }))),
  };
}

function podCheck(id: string, description: string, fn: (pod: PodTemplate, ctx: Context) => Messages, applies: (pod: PodTemplate) => boolean = () => true): Check {
  return {
    id, description,
    run: (ctx) => ctx.pods.filter(applies).flatMap((pod) => clean(fn(pod, ctx)).map((message) => ({ check: id, object: pod.ref, message }))),
  };
}

function containerCheck(id: string, description: string, fn: (c: any, pod: PodTemplate, ctx: Context) => Messages | string | false | undefined,
  options: { lists?: ContainerList[]; applies?: (pod: PodTemplate) => boolean } = {}): Check {
  return podCheck(id, description, (pod, ctx) => containersOf(pod.spec, options.lists).flatMap((c) => {
    const result = fn(c, pod, ctx);
    return clean(Array.isArray(result) ? result : [result]).map((m) => `container '${c.name}': ${m}`);
  }), options.applies);
}

// ---------------------------------------------------------------------------------------------
// Pod Security Standard "restricted" (v1.28)
// ---------------------------------------------------------------------------------------------

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const validSeccomp = (type: unknown) => type === 'RuntimeDefault' || type === 'Localhost';

const PSS: Check[] = [
  podCheck('pss:hostNamespaces', 'no hostNetwork, hostPID or hostIPC', (pod) =>
    ['hostNetwork', 'hostPID', 'hostIPC'].map((field) => pod.spec[field] === true && `${field} must not be true`)),
  containerCheck('pss:privileged', 'no privileged container', (c) => c.securityContext?.privileged === true && 'privileged must not be true'),
  podCheck('pss:windowsHostProcess', 'no Windows HostProcess container', (pod) => [
    pod.spec.securityContext?.windowsOptions?.hostProcess === true && 'securityContext.windowsOptions.hostProcess must not be true',
    ...containersOf(pod.spec).map((c) => c.securityContext?.windowsOptions?.hostProcess === true && `container '${c.name}': windowsOptions.hostProcess must not be true`),
  ]),
  podCheck('pss:hostPathVolumes', 'no hostPath volume', (pod) =>
    (pod.spec.volumes ?? []).map((v: any) => v.hostPath !== undefined && `volume '${v.name}' is a hostPath volume`)),
  podCheck('pss:restrictedVolumes', `only volume types ${[...ALLOWED_VOLUME_TYPES].join(', ')}`, (pod) =>
    (pod.spec.volumes ?? []).map((v: any) => {
      const types = Object.keys(v).filter((k) => k !== 'name');
      const bad = types.filter((t) => !ALLOWED_VOLUME_TYPES.has(t));
      return bad.length > 0 && `volume '${v.name}' has the forbidden type ${bad.join(', ')}`;
    })),
  containerCheck('pss:hostPorts', 'no hostPort', (c) =>
    (c.ports ?? []).map((p: any) => p.hostPort !== undefined && p.hostPort !== 0 && `hostPort ${p.hostPort} is forbidden`)),
  podCheck('pss:appArmorProfile', 'no unconfined AppArmor profile', (pod) => [
    ...Object.entries(pod.annotations).map(([key, value]) => key.startsWith(APPARMOR_ANNOTATION)
      && value !== 'runtime/default' && !value.startsWith('localhost/') && `annotation ${key}=${value} is forbidden (runtime/default or localhost/*)`),
    pod.spec.securityContext?.appArmorProfile?.type === 'Unconfined' && 'securityContext.appArmorProfile.type must not be Unconfined',
    ...containersOf(pod.spec).map((c) => c.securityContext?.appArmorProfile?.type === 'Unconfined' && `container '${c.name}': appArmorProfile.type must not be Unconfined`),
  ]),
  podCheck('pss:seLinuxOptions', 'SELinux type only container_t/container_init_t/container_kvm_t, no user or role', (pod) =>
    [{ where: 'pod', options: pod.spec.securityContext?.seLinuxOptions },
      ...containersOf(pod.spec).map((c) => ({ where: `container '${c.name}'`, options: c.securityContext?.seLinuxOptions }))]
      .flatMap(({ where, options }) => options ? [
        !SELINUX_TYPES.has(options.type ?? '') && `${where}: seLinuxOptions.type ${options.type} is forbidden`,
        options.user && `${where}: seLinuxOptions.user must not be set`,
        options.role && `${where}: seLinuxOptions.role must not be set`,
      ] : [])),
  containerCheck('pss:procMount', 'procMount Default', (c) =>
    c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default' && `procMount ${c.securityContext.procMount} is forbidden`),
  podCheck('pss:sysctls', 'only safe sysctls', (pod) =>
    (pod.spec.securityContext?.sysctls ?? []).map((s: any) => !SAFE_SYSCTLS.has(s.name) && `sysctl ${s.name} is not a safe sysctl`)),
  containerCheck('pss:allowPrivilegeEscalation', 'allowPrivilegeEscalation false on every container',
    (c) => c.securityContext?.allowPrivilegeEscalation !== false && 'securityContext.allowPrivilegeEscalation must be false'),
  podCheck('pss:runAsNonRoot', 'runAsNonRoot true on the pod or on every container', (pod) => {
    const podValue = pod.spec.securityContext?.runAsNonRoot;
    return [
      podValue === false && 'securityContext.runAsNonRoot must not be false',
      ...containersOf(pod.spec).map((c) => {
        const value = c.securityContext?.runAsNonRoot;
        if (value === false) return `container '${c.name}': runAsNonRoot must not be false`;
        return value === undefined && podValue !== true && `container '${c.name}': runAsNonRoot must be true (on the container or the pod)`;
      }),
    ];
  }),
  podCheck('pss:runAsUser', 'runAsUser never 0', (pod) => [
    pod.spec.securityContext?.runAsUser === 0 && 'securityContext.runAsUser must not be 0',
    ...containersOf(pod.spec).map((c) => c.securityContext?.runAsUser === 0 && `container '${c.name}': runAsUser must not be 0`),
  ]),
  podCheck('pss:seccompProfile_restricted', 'seccompProfile RuntimeDefault or Localhost on the pod or on every container', (pod) => {
    const podType = pod.spec.securityContext?.seccompProfile?.type;
    return [
      podType !== undefined && !validSeccomp(podType) && `securityContext.seccompProfile.type ${podType} is forbidden`,
      ...containersOf(pod.spec).map((c) => {
        const type = c.securityContext?.seccompProfile?.type;
        if (type !== undefined) return !validSeccomp(type) && `container '${c.name}': seccompProfile.type ${type} is forbidden`;
        return !validSeccomp(podType) && `container '${c.name}': seccompProfile.type must be RuntimeDefault or Localhost (on the container or the pod)`;
      }),
    ];
  }),
  containerCheck('pss:capabilities_restricted', 'capabilities drop ALL and add nothing but NET_BIND_SERVICE', (c) => {
    const capabilities = c.securityContext?.capabilities ?? {};
    const added = (capabilities.add ?? []).filter((a: string) => a !== 'NET_BIND_SERVICE');
    return [
      !(capabilities.drop ?? []).includes('ALL') && 'capabilities.drop must include ALL',
      added.length > 0 && `capabilities.add ${added.join(', ')} is forbidden (only NET_BIND_SERVICE)`,
    ];
  }),
];

// ---------------------------------------------------------------------------------------------
// kube-score
// ---------------------------------------------------------------------------------------------

const DEPRECATED_API_VERSIONS = new Set([
  'extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2', 'policy/v1beta1', 'batch/v1beta1', 'autoscaling/v2beta1', 'autoscaling/v2beta2',
  'networking.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1',
  'admissionregistration.k8s.io/v1beta1', 'apiextensions.k8s.io/v1beta1', 'scheduling.k8s.io/v1beta1', 'storage.k8s.io/v1beta1',
]);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const POD_CONTROLLERS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout'];

function sameProbeHandler(a: any, b: any): boolean {
  if (a.httpGet && b.httpGet) return a.httpGet.path === b.httpGet.path && String(a.httpGet.port) === String(b.httpGet.port);
  if (a.tcpSocket && b.tcpSocket) return String(a.tcpSocket.port) === String(b.tcpSocket.port);
  if (a.grpc && b.grpc) return a.grpc.port === b.grpc.port && a.grpc.service === b.grpc.service;
  if (a.exec && b.exec) return JSON.stringify(a.exec.command) === JSON.stringify(b.exec.command);
  return false;
}

/** Deployment-like: an Argo Rollout is checked as the Deployment it replaces. */
const isDeploymentLike = (pod: PodTemplate) => pod.kind === 'Deployment' || pod.kind === 'Rollout';

/**
 * kube-score's Deployment and StatefulSet variants of one check, e.g. deployment-has-poddisruptionbudget
 * and statefulset-has-poddisruptionbudget (the deployment variant also covers Argo Rollouts).
 */
function perWorkloadKind(template: string, description: string, fn: (pod: PodTemplate, ctx: Context) => Messages): Check[] {
  return [
    podCheck(`kube-score:${template.replace('<kind>', 'deployment')}`, description, fn, isDeploymentLike),
    podCheck(`kube-score:${template.replace('<kind>', 'statefulset')}`, description, fn, (pod) => pod.kind === 'StatefulSet'),
  ];
}

const KUBE_SCORE: Check[] = [
  containerCheck('kube-score:container-resources', 'cpu and memory requests and limits on every container', (c) => [
    isMissingQuantity(c.resources?.limits?.cpu) && 'CPU limit is not set',
    isMissingQuantity(c.resources?.limits?.memory) && 'memory limit is not set',
    isMissingQuantity(c.resources?.requests?.cpu) && 'CPU request is not set',
    isMissingQuantity(c.resources?.requests?.memory) && 'memory request is not set',
  ], { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:container-ephemeral-storage-request-and-limit', 'ephemeral-storage request and limit on every container', (c) => [
    isMissingQuantity(c.resources?.limits?.['ephemeral-storage']) && 'ephemeral-storage limit is not set',
    isMissingQuantity(c.resources?.requests?.['ephemeral-storage']) && 'ephemeral-storage request is not set',
  ], { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:container-image-tag', 'images pinned by a tag other than latest, or a digest', (c) => {
    const tag = imageTag(c.image);
    return (tag === undefined || tag === 'latest') && `image ${c.image} has no tag or the latest tag`;
  }, { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:container-image-pull-policy', 'imagePullPolicy Always',
    (c) => c.imagePullPolicy !== 'Always' && `imagePullPolicy is ${c.imagePullPolicy ?? 'not set'}, must be Always`, { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:container-security-context-readonlyrootfilesystem', 'readOnlyRootFilesystem true',
    (c) => c.securityContext?.readOnlyRootFilesystem !== true && 'securityContext.readOnlyRootFilesystem must be true', { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:container-security-context-privileged', 'no privileged container',
    (c) => c.securityContext?.privileged === true && 'securityContext.privileged must not be true', { lists: ['initContainers', 'containers'] }),
  containerCheck('kube-score:environment-variable-key-duplication', 'no env var defined twice in a container', (c) => {
    const names: string[] = (c.env ?? []).map((e: any) => e.name);
    return [...new Set(names.filter((name, i) => names.indexOf(name) !== i))].map((name) => `env ${name} is defined more than once`);
  }, { lists: ['initContainers', 'containers'] }),
  podCheck('kube-score:pod-probes', 'a readiness probe, and no liveness probe identical to it', (pod) => {
    const containers = containersOf(pod.spec, ['containers']);
    return [
      !containers.some((c) => c.readinessProbe) && 'no container has a readinessProbe',
      ...containers.map((c) => c.readinessProbe && c.livenessProbe && sameProbeHandler(c.readinessProbe, c.livenessProbe)
        && `container '${c.name}': livenessProbe is identical to readinessProbe`),
    ];
  }, (pod) => !isBatch(pod)),
  podCheck('kube-score:pod-networkpolicy', 'every pod selected by NetworkPolicies for Ingress and Egress', (pod, ctx) => {
    const policies = inNamespace(ctx, 'NetworkPolicy', pod.namespace).filter((np) => selectorMatches(np.spec?.podSelector, pod.labels));
    if (policies.length === 0) return ['no NetworkPolicy selects the pod'];
    const types = new Set(policies.flatMap(policyTypesOf));
    return [!types.has('Ingress') && 'no Ingress NetworkPolicy selects the pod', !types.has('Egress') && 'no Egress NetworkPolicy selects the pod'];
  }),
  objectCheck('kube-score:networkpolicy-targets-pod', 'every NetworkPolicy with a pod selector selects some pod', ['NetworkPolicy'], (np, ctx) => [
    !isEmptySelector(np.spec?.podSelector)
      && ![...ctx.pods, ...operatorPods(ctx.objects)].some((pod) => pod.namespace === namespaceOf(np) && selectorMatches(np.spec.podSelector, pod.labels))
      && 'the podSelector matches no pod template in the namespace',
  ]),
  ...perWorkloadKind('<kind>-has-poddisruptionbudget', 'a replicated workload is selected by a PodDisruptionBudget', (pod, ctx) => [
    isReplicated(ctx, pod) && !inNamespace(ctx, 'PodDisruptionBudget', pod.namespace).some((pdb) => selectorMatches(pdb.spec?.selector, pod.labels))
      && 'no PodDisruptionBudget selects its pods',
  ]),
  ...perWorkloadKind('<kind>-has-host-podantiaffinity', 'a replicated workload prefers or requires one pod per node', (pod, ctx) => {
    if (!isReplicated(ctx, pod)) return [];
    const antiAffinity = pod.spec.affinity?.podAntiAffinity ?? {};
    const terms = [
      ...(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p: any) => p.podAffinityTerm ?? {}),
    ];
    return [!terms.some((t) => t.topologyKey === 'kubernetes.io/hostname' && selectorMatches(t.labelSelector, pod.labels))
      && 'no podAntiAffinity term with topologyKey kubernetes.io/hostname selects its own pods'];
  }),
  ...perWorkloadKind('<kind>-pod-selector-labels-match-template', 'spec.selector selects the pod template', (pod) => [
    !selectorMatches(pod.owner.spec?.selector, pod.labels) && `spec.selector ${JSON.stringify(pod.owner.spec?.selector)} does not select the template labels`,
  ]),
  ...perWorkloadKind('<kind>-targeted-by-hpa-does-not-have-replicas-configured', 'a workload scaled by an HPA leaves spec.replicas unset', (pod, ctx) => [
    pod.owner.spec?.replicas !== undefined && !!hpaFor(ctx, pod)
      && `spec.replicas (${pod.owner.spec.replicas}) is set although HorizontalPodAutoscaler '${hpaFor(ctx, pod).metadata?.name}' scales it`,
  ]),
  objectCheck('kube-score:horizontalpodautoscaler-has-target', 'scaleTargetRef names an existing workload', ['HorizontalPodAutoscaler'], (hpa, ctx) => {
    const ref = hpa.spec?.scaleTargetRef;
    return [!ctx.objects.some((o) => o && POD_CONTROLLERS.includes(o.kind) && namespaceOf(o) === namespaceOf(hpa) && targetsOwner(ref, o))
      && `scaleTargetRef ${ref?.kind}/${ref?.name} names no workload in the namespace`];
  }),
  objectCheck('kube-score:service-targets-pod', 'every Service selector selects some pod', ['Service'], (svc, ctx) => [
    svc.spec?.type !== 'ExternalName' && Object.keys(svc.spec?.selector ?? {}).length > 0
      && !ctx.pods.some((pod) => pod.namespace === namespaceOf(svc) && serviceSelectorMatches(svc.spec.selector, pod.labels))
      && !operatorPods(ctx.objects).some((pod) => pod.namespace === namespaceOf(svc) && serviceSelectorMatches(svc.spec.selector, pod.labels))
      && `selector ${JSON.stringify(svc.spec.selector)} matches no pod template in the namespace`,
  ]),
  objectCheck('kube-score:service-type', 'no NodePort Service', ['Service'], (svc) => [svc.spec?.type === 'NodePort' && 'type NodePort is not allowed']),
  objectCheck('kube-score:stable-version', 'no deprecated or removed apiVersion', '*', (o) => [
    DEPRECATED_API_VERSIONS.has(o.apiVersion) && `apiVersion ${o.apiVersion} is deprecated or removed`,
  ]),
  objectCheck('kube-score:poddisruptionbudget-has-policy', 'minAvailable or maxUnavailable set', ['PodDisruptionBudget'], (pdb) => [
    pdb.spec?.minAvailable === undefined && pdb.spec?.maxUnavailable === undefined && 'neither minAvailable nor maxUnavailable is set',
  ]),
  objectCheck('kube-score:poddisruptionbudget-selector-labels-match', 'the selector selects some pod', ['PodDisruptionBudget'], (pdb, ctx) => [
    ![...ctx.pods, ...operatorPods(ctx.objects)].some((pod) => pod.namespace === namespaceOf(pdb) && selectorMatches(pdb.spec?.selector, pod.labels))
      && 'the selector matches no pod template in the namespace',
  ]),
  {
    id: 'kube-score:label-values',
    description: 'label values of at most 63 characters matching (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?',
    run: (ctx) => ctx.objects.filter(Boolean).flatMap((o) => {
      const sets: Array<[string, Labels]> = [['metadata.labels', o.metadata?.labels ?? {}]];
      for (const pod of ctx.pods.filter((p) => p.owner === o && p.owner.kind !== 'Pod')) sets.push(['pod template labels', pod.labels]);
      return sets.flatMap(([where, labels]) => Object.entries(labels)
        .filter(([, value]) => typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
        .map(([key, value]) => ({ check: 'kube-score:label-values', object: refOf(o), message: `${where}: ${key}=${JSON.stringify(value)} is not a valid label value` })));
    }),
  },
];

// ---------------------------------------------------------------------------------------------
// Polaris
// ---------------------------------------------------------------------------------------------

const DANGEROUS_CAPABILITIES = ['ALL', 'SYS_ADMIN', 'NET_ADMIN'];
const INSECURE_CAPABILITIES = ['NET_ADMIN', 'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
  'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];
/** Names that look like credentials: Polaris' list (password, token, bearer, secret, ...) plus KEY and CREDENTIAL. */
export const SENSITIVE_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|BEARER|KEY|CREDENTIAL/i;
const PRIVATE_KEY = /-BEGIN\s+.*PRIVATE KEY-/i;
const upper = (values: string[] | undefined) => (values ?? []).map((v) => String(v).toUpperCase());

const goodRunAs = (sc: any) => !!sc && ((typeof sc.runAsUser === 'number' && sc.runAsUser >= 1) || sc.runAsNonRoot === true);
const notBadRunAs = (sc: any) => !sc || ((sc.runAsUser === undefined || sc.runAsUser >= 1) && (sc.runAsNonRoot === undefined || sc.runAsNonRoot === true));

function grantsPodExecOrAttach(rule: any): boolean {
  const resources: string[] = rule.resources ?? [];
  const verbs: string[] = rule.verbs ?? [];
  const groups: string[] = rule.apiGroups ?? [];
  return (groups.includes('') || groups.includes('*'))
    && resources.some((r) => r === 'pods/exec' || r === 'pods/attach' || r === '*' || r === 'pods/*')
    && verbs.some((v) => v === 'create' || v === 'get' || v === '*');
}

const POLARIS: Check[] = [
  podCheck('polaris:hostIPCSet', 'hostIPC not set', (pod) => [pod.spec.hostIPC === true && 'hostIPC must not be true']),
  podCheck('polaris:hostPIDSet', 'hostPID not set', (pod) => [pod.spec.hostPID === true && 'hostPID must not be true']),
  podCheck('polaris:hostNetworkSet', 'hostNetwork not set', (pod) => [pod.spec.hostNetwork === true && 'hostNetwork must not be true']),
  containerCheck('polaris:runAsRootAllowed', 'runAsNonRoot true or runAsUser >= 1 (pod, not overridden, or container)', (c, pod) =>
    !((goodRunAs(pod.spec.securityContext) && notBadRunAs(c.securityContext)) || goodRunAs(c.securityContext))
    && 'may run as root: set runAsNonRoot true or runAsUser >= 1', { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:runAsPrivileged', 'not privileged', (c) => c.securityContext?.privileged === true && 'privileged must not be true',
    { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:notReadOnlyRootFilesystem', 'readOnlyRootFilesystem true',
    (c) => c.securityContext?.readOnlyRootFilesystem !== true && 'readOnlyRootFilesystem must be true', { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:privilegeEscalationAllowed', 'allowPrivilegeEscalation false',
    (c) => c.securityContext?.allowPrivilegeEscalation !== false && 'allowPrivilegeEscalation must be false', { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:dangerousCapabilities', `no ${DANGEROUS_CAPABILITIES.join('/')} added`, (c) => {
    const added = upper(c.securityContext?.capabilities?.add).filter((a) => DANGEROUS_CAPABILITIES.includes(a));
    return added.length > 0 && `dangerous capabilities added: ${added.join(', ')}`;
  }, { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:insecureCapabilities', 'drop ALL (or every insecure capability)', (c) => {
    const dropped = upper(c.securityContext?.capabilities?.drop);
    return !dropped.includes('ALL') && !INSECURE_CAPABILITIES.every((cap) => dropped.includes(cap))
      && 'capabilities.drop must include ALL (or every insecure capability)';
  }, { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:tagNotSpecified', 'image tag specified and not latest', (c) => {
    const tag = imageTag(c.image);
    return (tag === undefined || tag === 'latest') && `image ${c.image} has no tag or the latest tag`;
  }, { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:pullPolicyNotAlways', 'imagePullPolicy Always',
    (c) => c.imagePullPolicy !== 'Always' && `imagePullPolicy is ${c.imagePullPolicy ?? 'not set'}`, { lists: ['initContainers', 'containers'] }),
  ...(['cpu', 'memory'] as const).flatMap((resource) => (['requests', 'limits'] as const).map((kind) =>
    containerCheck(`polaris:${resource}${kind === 'requests' ? 'Requests' : 'Limits'}Missing`, `resources.${kind}.${resource} set`,
      (c) => isMissingQuantity(c.resources?.[kind]?.[resource]) && `resources.${kind}.${resource} is not set`, { lists: ['initContainers', 'containers'] }))),
  containerCheck('polaris:readinessProbeMissing', 'readinessProbe set', (c) => !c.readinessProbe && 'readinessProbe is not set',
    { lists: ['containers'], applies: (pod) => !isBatch(pod) }),
  containerCheck('polaris:livenessProbeMissing', 'livenessProbe set', (c) => !c.livenessProbe && 'livenessProbe is not set',
    { lists: ['containers'], applies: (pod) => !isBatch(pod) }),
  podCheck('polaris:automountServiceAccountToken', 'a named ServiceAccount and no automounted token (pod or ServiceAccount)', (pod, ctx) => {
    if (!pod.spec.serviceAccountName) return ['serviceAccountName is not set (the default ServiceAccount is used)'];
    if (pod.spec.automountServiceAccountToken === false) return [];
    if (pod.spec.automountServiceAccountToken === true) return ['automountServiceAccountToken is true'];
    const sa = inNamespace(ctx, 'ServiceAccount', pod.namespace).find((s) => s.metadata?.name === pod.spec.serviceAccountName);
    return [sa?.automountServiceAccountToken !== false
      && `the token is automounted: neither the pod nor ServiceAccount '${pod.spec.serviceAccountName}' sets automountServiceAccountToken false`];
  }),
  podCheck('polaris:missingPodDisruptionBudget', 'a PodDisruptionBudget selects the pods', (pod, ctx) => [
    !inNamespace(ctx, 'PodDisruptionBudget', pod.namespace).some((pdb) => selectorMatches(pdb.spec?.selector, pod.labels))
      && 'no PodDisruptionBudget selects its pods',
  ], isDeploymentLike),
  objectCheck('polaris:pdbDisruptionsIsZero', 'the PodDisruptionBudget allows at least one voluntary eviction', ['PodDisruptionBudget'], (pdb, ctx) => {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && scaled(maxUnavailable, 100) === 0) return [`maxUnavailable ${maxUnavailable} allows no eviction`];
    if (minAvailable === undefined) return [];
    if (minAvailable === '100%') return ['minAvailable 100% allows no eviction'];
    const counts = ctx.pods.filter((p) => p.namespace === namespaceOf(pdb) && selectorMatches(pdb.spec?.selector, p.labels))
      .map((p) => expectedReplicas(ctx, p)).filter((n): n is number => n !== undefined);
    if (counts.length === 0) return [];
    const pods = counts.reduce((a, b) => a + b, 0);
    return [scaled(minAvailable, pods) >= pods && `minAvailable ${minAvailable} of ${pods} pod(s) (replicas or HPA minReplicas) allows no eviction`];
  }),
  podCheck('polaris:pdbMinAvailableGreaterThanHPAMinReplicas', 'PDB minAvailable not above the HPA minReplicas', (pod, ctx) => {
    const hpa = hpaFor(ctx, pod);
    if (!hpa) return [];
    const minReplicas = hpa.spec?.minReplicas ?? 1;
    return inNamespace(ctx, 'PodDisruptionBudget', pod.namespace)
      .filter((pdb) => pdb.spec?.minAvailable !== undefined && selectorMatches(pdb.spec.selector, pod.labels))
      .map((pdb) => scaled(pdb.spec.minAvailable, minReplicas) > minReplicas
        && `PodDisruptionBudget '${pdb.metadata?.name}' minAvailable ${pdb.spec.minAvailable} > HorizontalPodAutoscaler minReplicas ${minReplicas}`);
  }, isDeploymentLike),
  objectCheck('polaris:hpaMaxAvailability', 'HPA maxReplicas greater than minReplicas', ['HorizontalPodAutoscaler'], (hpa) => [
    !((hpa.spec?.maxReplicas ?? 0) > (hpa.spec?.minReplicas ?? 1))
      && `maxReplicas ${hpa.spec?.maxReplicas} must be greater than minReplicas ${hpa.spec?.minReplicas ?? 1}`,
  ]),
  objectCheck('polaris:hpaMinAvailability', 'HPA minReplicas at least 2', ['HorizontalPodAutoscaler'], (hpa) => [
    (hpa.spec?.minReplicas ?? 1) < 2 && `minReplicas ${hpa.spec?.minReplicas ?? '(default 1)'} must be at least 2`,
  ]),
  podCheck('polaris:topologySpreadConstraint', 'a topologySpreadConstraint', (pod) => [
    (pod.spec.topologySpreadConstraints ?? []).length === 0 && 'no topologySpreadConstraints',
  ], (pod) => !isBatch(pod)),
  // An Ingress policy type with no ingress rules admits nothing (a pod that serves no one, such as a
  // backup Job): stricter than a rule, so it passes. Egress needs rules: a pod must reach something.
  podCheck('polaris:missingNetworkPolicy', 'a NetworkPolicy selecting the pod by its labels with Ingress and Egress policy types', (pod, ctx) => [
    !inNamespace(ctx, 'NetworkPolicy', pod.namespace).some((np) => !isEmptySelector(np.spec?.podSelector)
      && selectorMatches(np.spec.podSelector, pod.labels)
      && ['Ingress', 'Egress'].every((t) => policyTypesOf(np).includes(t))
      && (np.spec.egress ?? []).length > 0)
      && 'no NetworkPolicy selects the pod by its labels with both Ingress and Egress policy types and egress rules',
  ]),
  containerCheck('polaris:linuxHardening', 'seccomp RuntimeDefault/Localhost, capabilities drop ALL, AppArmor or SELinux options', (c, pod) => {
    const sc = c.securityContext ?? {};
    const seccomp = sc.seccompProfile?.type ?? pod.spec.securityContext?.seccompProfile?.type;
    const hardened = validSeccomp(seccomp)
      || upper(sc.capabilities?.drop).includes('ALL')
      || pod.annotations[`${APPARMOR_ANNOTATION}${c.name}`] !== undefined
      || Object.keys(sc.seLinuxOptions ?? pod.spec.securityContext?.seLinuxOptions ?? {}).length > 0;
    return !hardened && 'no seccomp profile, no dropped capabilities, no AppArmor or SELinux options';
  }, { lists: ['initContainers', 'containers'] }),
  containerCheck('polaris:sensitiveContainerEnvVar', 'secret-looking env vars only from secretKeyRef, no private key values', (c) =>
    (c.env ?? []).flatMap((e: any) => [
      SENSITIVE_NAME.test(e.name) && !e.valueFrom?.secretKeyRef
        && `env ${e.name} looks like a secret and must come from valueFrom.secretKeyRef (it is ${e.value !== undefined ? 'a literal value' : `from ${Object.keys(e.valueFrom ?? {}).join(', ') || 'nothing'}`})`,
      typeof e.value === 'string' && PRIVATE_KEY.test(e.value) && `env ${e.name} holds a private key`,
    ]), { lists: ['initContainers', 'containers'] }),
  objectCheck('polaris:sensitiveConfigmapContent', 'no secret-looking ConfigMap keys or private key values', ['ConfigMap'], (cm) => [
    ...Object.keys({ ...cm.data, ...cm.binaryData }).map((key) => SENSITIVE_NAME.test(key) && `key ${key} looks like a secret`),
    ...Object.entries(cm.data ?? {}).map(([key, value]) => PRIVATE_KEY.test(String(value)) && `key ${key} holds a private key`),
  ]),
  objectCheck('polaris:clusterrolebindingClusterAdmin', 'no ClusterRoleBinding to cluster-admin', ['ClusterRoleBinding'], (b) => [
    b.roleRef?.kind === 'ClusterRole' && b.roleRef?.name === 'cluster-admin' && 'binds the cluster-admin ClusterRole',
  ]),
  objectCheck('polaris:rolebindingClusterAdminClusterRole', 'no RoleBinding to cluster-admin', ['RoleBinding'], (b) => [
    b.roleRef?.kind === 'ClusterRole' && b.roleRef?.name === 'cluster-admin' && 'binds the cluster-admin ClusterRole',
  ]),
  objectCheck('polaris:rolePodExecAttach', 'no Role granting pods/exec or pods/attach', ['Role'], (role) =>
    (role.rules ?? []).map((rule: any, i: number) => grantsPodExecOrAttach(rule) && `rule ${i} grants pods/exec or pods/attach`)),
  objectCheck('polaris:clusterrolePodExecAttach', 'no ClusterRole granting pods/exec or pods/attach', ['ClusterRole'], (role) =>
    (role.rules ?? []).map((rule: any, i: number) => grantsPodExecOrAttach(rule) && `rule ${i} grants pods/exec or pods/attach`)),
];

// ---------------------------------------------------------------------------------------------
// Secrets and RBAC
// ---------------------------------------------------------------------------------------------

/** `<namespace>/<name>` of the ServiceAccount of every Prometheus resource. */
function prometheusAccounts(objects: any[]): Set<string> {
  return new Set(objects.filter((o) => o?.apiVersion === 'monitoring.coreos.com/v1' && o.kind === 'Prometheus' && o.spec?.serviceAccountName)
    .map((o) => `${namespaceOf(o)}/${o.spec.serviceAccountName}`));
}

/** ServiceAccounts that pods of a metrics exporter (kube-state-metrics) in the output run as. */
function exporterAccounts(ctx: Context): Set<string> {
  return new Set(ctx.pods.filter((pod) => containersOf(pod.spec).some((c: any) => /\/kube-state-metrics:/.test(c.image ?? '')) && pod.spec.serviceAccountName)
    .map((pod) => `${pod.namespace}/${pod.spec.serviceAccountName}`));
}

/** The rules of the Role or ClusterRole a binding references, when it is in the output. */
function boundRules(objects: any[], binding: any): any[] | undefined {
  const ref = binding.roleRef ?? {};
  const role = objects.find((o) => o?.kind === ref.kind && o.metadata?.name === ref.name && (ref.kind === 'ClusterRole' || namespaceOf(o) === namespaceOf(binding)));
  return role?.rules;
}

const readOnly = (rules: any[] | undefined): boolean => rules !== undefined
  && rules.every((r: any) => (r.verbs ?? []).every((v: string) => ['get', 'list', 'watch'].includes(v)));

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];

const SECRETS_AND_RBAC: Check[] = [
  objectCheck('secrets:no-secret-data', 'no Secret carrying data or stringData', ['Secret'], (s) => [
    Object.keys({ ...s.data, ...s.stringData }).length > 0
      && `a Secret with values (${Object.keys({ ...s.data, ...s.stringData }).join(', ')}) must not be in the manifests`,
  ]),
  objectCheck('rbac:no-wildcards', 'no wildcard verbs, resources or apiGroups', ['Role', 'ClusterRole'], (role) =>
    (role.rules ?? []).flatMap((rule: any, i: number) => (['verbs', 'resources', 'apiGroups', 'nonResourceURLs'] as const)
      .map((field) => (rule[field] ?? []).includes('*') && `rule ${i}: ${field} contains '*'`))),
  objectCheck('rbac:no-secret-writes', 'no create/update/patch/delete on secrets', ['Role', 'ClusterRole'], (role) =>
    (role.rules ?? []).map((rule: any, i: number) => {
      const writes = (rule.verbs ?? []).filter((v: string) => WRITE_VERBS.includes(v));
      return (rule.resources ?? []).some((r: string) => r === 'secrets' || r === '*') && writes.length > 0
        && `rule ${i}: ${writes.join(', ')} on secrets`;
    })),
  objectCheck('rbac:secret-and-configmap-rules-have-resource-names', 'rules on secrets and configmaps name their objects', ['Role', 'ClusterRole'], (role) =>
    (role.rules ?? []).map((rule: any, i: number) => {
      const resources = (rule.resources ?? []).filter((r: string) => r === 'secrets' || r === 'configmaps');
      return resources.length > 0 && (rule.resourceNames ?? []).length === 0 && `rule ${i}: ${resources.join(', ')} without resourceNames`;
    })),
  // Exception: a Prometheus' ServiceAccount, bound where it discovers scrape targets (read-only discovery).
  objectCheck('rbac:rolebinding-subjects-are-local-serviceaccounts', 'RoleBinding subjects are ServiceAccounts of its namespace', ['RoleBinding'], (b, ctx) =>
    (b.subjects ?? []).map((s: any) => (s.kind !== 'ServiceAccount' || (s.namespace ?? namespaceOf(b)) !== namespaceOf(b))
      && !(s.kind === 'ServiceAccount' && prometheusAccounts(ctx.objects).has(`${s.namespace}/${s.name}`))
      && !(s.kind === 'ServiceAccount' && exporterAccounts(ctx).has(`${s.namespace}/${s.name}`) && readOnly(boundRules(ctx.objects, b)))
      && `subject ${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name} is not a ServiceAccount of namespace ${namespaceOf(b)}`)),
];

// ---------------------------------------------------------------------------------------------

export const CHECKS: Check[] = [...PSS, ...KUBE_SCORE, ...POLARIS, ...SECRETS_AND_RBAC];
export const CHECK_IDS: string[] = CHECKS.map((c) => c.id);

/** Every finding of every check on `objects` (all the documents of one environment), sorted. */
export function checkObjects(objects: any[]): Finding[] {
  const present = objects.filter((o) => o !== null && o !== undefined);
  const ctx: Context = { objects: present, pods: podTemplates(present) };
  return CHECKS.flatMap((check) => check.run(ctx))
    .sort((a, b) => a.check.localeCompare(b.check) || a.object.localeCompare(b.object) || a.message.localeCompare(b.message));
}
