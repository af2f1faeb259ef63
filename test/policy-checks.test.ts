import { CHECK_IDS, checkObjects, imageTag, selectorMatches } from './support/policy-checks';

/**
 * Proves that every check of test/support/policy-checks.ts can fail: a good set of objects (one
 * service: Deployment + HPA + PDB + NetworkPolicy + Service + ServiceAccount + Role + RoleBinding +
 * ConfigMap) passes every check, and one mutation per row makes the named check report.
 */
const NS = 'shop';
const SELECT = { 'app.kubernetes.io/name': 'web' };
const meta = (name: string, kind = '') => ({ name, namespace: NS, labels: { ...SELECT, 'app.kubernetes.io/component': kind || 'web' } });

function goodSet(): any[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('web'), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('web-config'), data: { LOG_LEVEL: 'info' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('web'),
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('web'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: NS }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
      spec: {
        selector: { matchLabels: SELECT },
        template: {
          metadata: { labels: { ...SELECT, 'app.kubernetes.io/version': '1.0.0' } },
          spec: {
            serviceAccountName: 'web',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: SELECT } } },
                ],
              },
            },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: SELECT } },
            ],
            containers: [{
              name: 'web',
              image: 'registry.example/web:1.0.0',
              imagePullPolicy: 'Always',
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-db', key: 'password' } } }],
              resources: {
                requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
                limits: { 'cpu': '500m', 'memory': '256Mi', 'ephemeral-storage': '1Gi' },
              },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              livenessProbe: { httpGet: { path: '/health', port: 'http' } },
              securityContext: {
                allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { type: 'ClusterIP', selector: SELECT, ports: [{ port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('web'),
      spec: { minReplicas: 2, maxReplicas: 4, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { maxUnavailable: 1, selector: { matchLabels: SELECT } } },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('web'),
      spec: {
        podSelector: { matchLabels: SELECT },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }], ports: [{ port: 8080 }] }],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }] }],
      },
    },
  ];
}

type Mutation = (objects: any[]) => any[] | void;

const get = (objects: any[], kind: string) => objects.find((o) => o.kind === kind);
const workload = (objects: any[]) => get(objects, 'Deployment') ?? get(objects, 'StatefulSet') ?? get(objects, 'Rollout');
const pod = (objects: any[]) => workload(objects).spec.template.spec;
const podMeta = (objects: any[]) => workload(objects).spec.template.metadata;
const ctr = (objects: any[]) => pod(objects).containers[0];
const without = (kind: string): Mutation => (objects) => objects.filter((o) => o.kind !== kind);
const both = (...mutations: Mutation[]): Mutation => (objects) => mutations.reduce((acc, m) => m(acc) ?? acc, objects);

const asStatefulSet: Mutation = (objects) => {
  const w = get(objects, 'Deployment');
  Object.assign(w, { kind: 'StatefulSet' });
  w.spec.serviceName = 'web';
  get(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef.kind = 'StatefulSet';
};
const asRollout: Mutation = (objects) => {
  Object.assign(get(objects, 'Deployment'), { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' });
  get(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web' };
};
const withInitContainer = (securityContext: any): Mutation => (objects) => {
  pod(objects).initContainers = [{ ...structuredClone(ctr(objects)), name: 'migrate', readinessProbe: undefined, livenessProbe: undefined, securityContext }];
};
const add = (object: any): Mutation => (objects) => [...objects, object];
const rbac = (kind: string, rest: any) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: kind.startsWith('Cluster') ? { name: 'x' } : meta('x'), ...rest });

function mutated(mutation: Mutation): any[] {
  const objects = structuredClone(goodSet());
  return mutation(objects) ?? objects;
}

// [check id, what is wrong, mutation]
const BAD: Array<[string, string, Mutation]> = [
  // Pod Security Standard "restricted"
  ['pss:hostNamespaces', 'hostNetwork', (o) => { pod(o).hostNetwork = true; }],
  ['pss:privileged', 'a privileged container', (o) => { ctr(o).securityContext.privileged = true; }],
  ['pss:privileged', 'a privileged container in an Argo Rollout', both(asRollout, (o) => { ctr(o).securityContext.privileged = true; })],
  ['pss:windowsHostProcess', 'a HostProcess container', (o) => { ctr(o).securityContext.windowsOptions = { hostProcess: true }; }],
  ['pss:hostPathVolumes', 'a hostPath volume', (o) => { pod(o).volumes.push({ name: 'host', hostPath: { path: '/' } }); }],
  ['pss:restrictedVolumes', 'an nfs volume', (o) => { pod(o).volumes.push({ name: 'share', nfs: { server: 'nfs', path: '/' } }); }],
  ['pss:hostPorts', 'a hostPort', (o) => { ctr(o).ports[0].hostPort = 8080; }],
  ['pss:appArmorProfile', 'an unconfined AppArmor annotation', (o) => {
    podMeta(o).annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' };
  }],
  ['pss:seLinuxOptions', 'SELinux type spc_t', (o) => { pod(o).securityContext.seLinuxOptions = { type: 'spc_t' }; }],
  ['pss:procMount', 'procMount Unmasked', (o) => { ctr(o).securityContext.procMount = 'Unmasked'; }],
  ['pss:sysctls', 'an unsafe sysctl', (o) => { pod(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; }],
  ['pss:allowPrivilegeEscalation', 'allowPrivilegeEscalation unset', (o) => { delete ctr(o).securityContext.allowPrivilegeEscalation; }],
  ['pss:allowPrivilegeEscalation', 'an init container without allowPrivilegeEscalation false',
    withInitContainer({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } })],
  ['pss:runAsNonRoot', 'runAsNonRoot unset on pod and container', (o) => {
    delete pod(o).securityContext.runAsNonRoot; delete ctr(o).securityContext.runAsNonRoot;
  }],
  ['pss:runAsNonRoot', 'runAsNonRoot false on a container', (o) => { ctr(o).securityContext.runAsNonRoot = false; }],
  ['pss:runAsUser', 'runAsUser 0', (o) => { ctr(o).securityContext.runAsUser = 0; }],
  ['pss:seccompProfile_restricted', 'no seccomp profile', (o) => { delete pod(o).securityContext.seccompProfile; }],
  ['pss:seccompProfile_restricted', 'an Unconfined container', (o) => { ctr(o).securityContext.seccompProfile = { type: 'Unconfined' }; }],
  ['pss:capabilities_restricted', 'capabilities not dropped', (o) => { delete ctr(o).securityContext.capabilities; }],
  ['pss:capabilities_restricted', 'SYS_TIME added', (o) => { ctr(o).securityContext.capabilities.add = ['SYS_TIME']; }],

  // kube-score
  ['kube-score:container-resources', 'no CPU limit', (o) => { delete ctr(o).resources.limits.cpu; }],
  ['kube-score:container-ephemeral-storage-request-and-limit', 'no ephemeral-storage request', (o) => {
    delete ctr(o).resources.requests['ephemeral-storage'];
  }],
  ['kube-score:container-image-tag', 'the latest tag', (o) => { ctr(o).image = 'registry.example/web:latest'; }],
  ['kube-score:container-image-tag', 'no tag behind a registry port', (o) => { ctr(o).image = 'registry.example:5000/web'; }],
  ['kube-score:container-image-pull-policy', 'IfNotPresent', (o) => { ctr(o).imagePullPolicy = 'IfNotPresent'; }],
  ['kube-score:container-security-context-readonlyrootfilesystem', 'a writable root filesystem', (o) => {
    ctr(o).securityContext.readOnlyRootFilesystem = false;
  }],
  ['kube-score:container-security-context-privileged', 'a privileged container', (o) => { ctr(o).securityContext.privileged = true; }],
  ['kube-score:environment-variable-key-duplication', 'DB_PASSWORD twice', (o) => { ctr(o).env.push(structuredClone(ctr(o).env[0])); }],
  ['kube-score:pod-probes', 'no readiness probe', (o) => { delete ctr(o).readinessProbe; }],
  ['kube-score:pod-probes', 'liveness identical to readiness', (o) => { ctr(o).livenessProbe = { httpGet: { path: '/ready', port: 'http' } }; }],
  ['kube-score:pod-networkpolicy', 'no NetworkPolicy', without('NetworkPolicy')],
  ['kube-score:pod-networkpolicy', 'an Ingress-only NetworkPolicy', (o) => {
    Object.assign(get(o, 'NetworkPolicy').spec, { policyTypes: ['Ingress'], egress: undefined });
  }],
  ['kube-score:networkpolicy-targets-pod', 'a NetworkPolicy selecting nothing', (o) => {
    get(o, 'NetworkPolicy').spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'webb' } };
  }],
  ['kube-score:deployment-has-poddisruptionbudget', 'no PodDisruptionBudget', without('PodDisruptionBudget')],
  ['kube-score:statefulset-has-poddisruptionbudget', 'no PodDisruptionBudget', both(asStatefulSet, without('PodDisruptionBudget'))],
  ['kube-score:deployment-has-host-podantiaffinity', 'no anti-affinity', (o) => { delete pod(o).affinity; }],
  ['kube-score:deployment-has-host-podantiaffinity', 'anti-affinity per zone only', (o) => {
    pod(o).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey = 'topology.kubernetes.io/zone';
  }],
  ['kube-score:deployment-has-host-podantiaffinity', 'anti-affinity selecting other pods', (o) => {
    pod(o).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector = {
      matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: ['web'] }],
    };
  }],
  ['kube-score:deployment-has-host-podantiaffinity', 'no anti-affinity with 3 fixed replicas', both(without('HorizontalPodAutoscaler'), (o) => {
    workload(o).spec.replicas = 3; delete pod(o).affinity;
  })],
  ['kube-score:statefulset-has-host-podantiaffinity', 'no anti-affinity', both(asStatefulSet, (o) => { delete pod(o).affinity; })],
  ['kube-score:deployment-pod-selector-labels-match-template', 'a selector on a label the pods lack', (o) => {
    workload(o).spec.selector.matchLabels.track = 'stable';
  }],
  ['kube-score:statefulset-pod-selector-labels-match-template', 'no selector', both(asStatefulSet, (o) => { delete workload(o).spec.selector; })],
  ['kube-score:deployment-targeted-by-hpa-does-not-have-replicas-configured', 'replicas and an HPA', (o) => { workload(o).spec.replicas = 2; }],
  ['kube-score:statefulset-targeted-by-hpa-does-not-have-replicas-configured', 'replicas and an HPA',
    both(asStatefulSet, (o) => { workload(o).spec.replicas = 2; })],
  ['kube-score:horizontalpodautoscaler-has-target', 'a missing target', (o) => { get(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'webb'; }],
  ['kube-score:horizontalpodautoscaler-has-target', 'a target of another kind', (o) => {
    get(o, 'HorizontalPodAutoscaler').spec.scaleTargetRef.kind = 'StatefulSet';
  }],
  ['kube-score:service-targets-pod', 'a selector matching no pod', (o) => { get(o, 'Service').spec.selector = { 'app.kubernetes.io/name': 'webb' }; }],
  ['kube-score:service-type', 'a NodePort Service', (o) => { get(o, 'Service').spec.type = 'NodePort'; }],
  ['kube-score:stable-version', 'policy/v1beta1', (o) => { get(o, 'PodDisruptionBudget').apiVersion = 'policy/v1beta1'; }],
  ['kube-score:stable-version', 'autoscaling/v2beta2', (o) => { get(o, 'HorizontalPodAutoscaler').apiVersion = 'autoscaling/v2beta2'; }],
  ['kube-score:poddisruptionbudget-has-policy', 'no policy', (o) => { delete get(o, 'PodDisruptionBudget').spec.maxUnavailable; }],
  ['kube-score:poddisruptionbudget-selector-labels-match', 'a selector matching no pod', (o) => {
    get(o, 'PodDisruptionBudget').spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'webb' } };
  }],
  ['kube-score:label-values', 'a label value with a space', (o) => { get(o, 'Service').metadata.labels.team = 'team a'; }],
  ['kube-score:label-values', 'a pod label value of 64 characters', (o) => { podMeta(o).labels.build = 'x'.repeat(64); }],

  // Polaris
  ['polaris:hostIPCSet', 'hostIPC', (o) => { pod(o).hostIPC = true; }],
  ['polaris:hostPIDSet', 'hostPID', (o) => { pod(o).hostPID = true; }],
  ['polaris:hostNetworkSet', 'hostNetwork', (o) => { pod(o).hostNetwork = true; }],
  ['polaris:runAsRootAllowed', 'a container overriding runAsUser to 0', (o) => {
    delete ctr(o).securityContext.runAsNonRoot; ctr(o).securityContext.runAsUser = 0;
  }],
  ['polaris:runAsRootAllowed', 'no runAsNonRoot or runAsUser anywhere', (o) => {
    pod(o).securityContext = { seccompProfile: { type: 'RuntimeDefault' } }; delete ctr(o).securityContext.runAsNonRoot;
  }],
  ['polaris:runAsPrivileged', 'a privileged container', (o) => { ctr(o).securityContext.privileged = true; }],
  ['polaris:notReadOnlyRootFilesystem', 'readOnlyRootFilesystem unset', (o) => { delete ctr(o).securityContext.readOnlyRootFilesystem; }],
  ['polaris:privilegeEscalationAllowed', 'allowPrivilegeEscalation true', (o) => { ctr(o).securityContext.allowPrivilegeEscalation = true; }],
  ['polaris:dangerousCapabilities', 'SYS_ADMIN added', (o) => { ctr(o).securityContext.capabilities.add = ['SYS_ADMIN']; }],
  ['polaris:insecureCapabilities', 'only NET_RAW dropped', (o) => { ctr(o).securityContext.capabilities.drop = ['NET_RAW']; }],
  ['polaris:tagNotSpecified', 'no tag', (o) => { ctr(o).image = 'registry.example/web'; }],
  ['polaris:pullPolicyNotAlways', 'no pull policy', (o) => { delete ctr(o).imagePullPolicy; }],
  ['polaris:cpuRequestsMissing', 'no CPU request', (o) => { delete ctr(o).resources.requests.cpu; }],
  ['polaris:cpuLimitsMissing', 'no CPU limit', (o) => { delete ctr(o).resources.limits.cpu; }],
  ['polaris:memoryRequestsMissing', 'no memory request', (o) => { delete ctr(o).resources.requests.memory; }],
  ['polaris:memoryLimitsMissing', 'no memory limit', (o) => { delete ctr(o).resources.limits.memory; }],
  ['polaris:readinessProbeMissing', 'no readiness probe', (o) => { delete ctr(o).readinessProbe; }],
  ['polaris:livenessProbeMissing', 'no liveness probe', (o) => { delete ctr(o).livenessProbe; }],
  ['polaris:automountServiceAccountToken', 'a token automounted by the ServiceAccount', (o) => {
    delete pod(o).automountServiceAccountToken; delete get(o, 'ServiceAccount').automountServiceAccountToken;
  }],
  ['polaris:automountServiceAccountToken', 'the default ServiceAccount', (o) => { delete pod(o).serviceAccountName; }],
  ['polaris:missingPodDisruptionBudget', 'no PodDisruptionBudget', without('PodDisruptionBudget')],
  ['polaris:pdbDisruptionsIsZero', 'maxUnavailable 0', (o) => { get(o, 'PodDisruptionBudget').spec.maxUnavailable = 0; }],
  ['polaris:pdbDisruptionsIsZero', 'minAvailable 100%', (o) => {
    Object.assign(get(o, 'PodDisruptionBudget').spec, { maxUnavailable: undefined, minAvailable: '100%' });
  }],
  ['polaris:pdbDisruptionsIsZero', 'minAvailable equal to the HPA minReplicas', (o) => {
    Object.assign(get(o, 'PodDisruptionBudget').spec, { maxUnavailable: undefined, minAvailable: 2 });
  }],
  ['polaris:pdbMinAvailableGreaterThanHPAMinReplicas', 'minAvailable 3 with minReplicas 2', (o) => {
    Object.assign(get(o, 'PodDisruptionBudget').spec, { maxUnavailable: undefined, minAvailable: 3 });
  }],
  ['polaris:hpaMaxAvailability', 'maxReplicas equal to minReplicas', (o) => { get(o, 'HorizontalPodAutoscaler').spec.maxReplicas = 2; }],
  ['polaris:hpaMinAvailability', 'minReplicas 1', (o) => { get(o, 'HorizontalPodAutoscaler').spec.minReplicas = 1; }],
  ['polaris:topologySpreadConstraint', 'no topology spread', (o) => { delete pod(o).topologySpreadConstraints; }],
  ['polaris:missingNetworkPolicy', 'only a namespace-wide default deny', (o) => {
    Object.assign(get(o, 'NetworkPolicy').spec, { podSelector: {}, ingress: undefined });
  }],
  ['polaris:missingNetworkPolicy', 'a NetworkPolicy without egress rules', (o) => { get(o, 'NetworkPolicy').spec.egress = []; }],
  ['polaris:linuxHardening', 'no seccomp and no dropped capabilities', (o) => {
    delete pod(o).securityContext.seccompProfile; delete ctr(o).securityContext.capabilities;
  }],
  ['polaris:sensitiveContainerEnvVar', 'a literal token', (o) => { ctr(o).env.push({ name: 'API_TOKEN', value: 'abc' }); }],
  ['polaris:sensitiveContainerEnvVar', 'a password from a ConfigMap', (o) => {
    ctr(o).env[0].valueFrom = { configMapKeyRef: { name: 'web-config', key: 'password' } };
  }],
  ['polaris:sensitiveContainerEnvVar', 'a private key value', (o) => {
    ctr(o).env.push({ name: 'TLS', value: '-----BEGIN RSA PRIVATE KEY-----\nMII...' });
  }],
  ['polaris:sensitiveConfigmapContent', 'a password key', (o) => { get(o, 'ConfigMap').data.DB_PASSWORD = 'hunter2'; }],
  ['polaris:sensitiveConfigmapContent', 'a private key value', (o) => {
    get(o, 'ConfigMap').data['tls.pem'] = '-----BEGIN PRIVATE KEY-----\nMII...';
  }],
  ['polaris:clusterrolebindingClusterAdmin', 'a ClusterRoleBinding to cluster-admin', add(rbac('ClusterRoleBinding', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: NS }],
  }))],
  ['polaris:rolebindingClusterAdminClusterRole', 'a RoleBinding to cluster-admin', (o) => {
    get(o, 'RoleBinding').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' };
  }],
  ['polaris:rolePodExecAttach', 'pods/exec', (o) => {
    get(o, 'Role').rules.push({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] });
  }],
  ['polaris:clusterrolePodExecAttach', 'pods/attach', add(rbac('ClusterRole', {
    rules: [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['get', 'create'] }],
  }))],

  // Secrets and RBAC
  ['secrets:no-secret-data', 'a Secret with stringData', add({ apiVersion: 'v1', kind: 'Secret', metadata: meta('web-db'), stringData: { password: 'x' } })],
  ['secrets:no-secret-data', 'a Secret with data', add({ apiVersion: 'v1', kind: 'Secret', metadata: meta('web-db'), data: { password: 'eA==' } })],
  ['rbac:no-wildcards', 'verbs *', (o) => { get(o, 'Role').rules[0].verbs = ['*']; }],
  ['rbac:no-wildcards', 'apiGroups * in a ClusterRole', add(rbac('ClusterRole', {
    rules: [{ apiGroups: ['*'], resources: ['deployments'], verbs: ['get'] }],
  }))],
  ['rbac:no-secret-writes', 'update on a named secret', (o) => {
    get(o, 'Role').rules.push({ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-db'], verbs: ['get', 'update'] });
  }],
  ['rbac:secret-and-configmap-rules-have-resource-names', 'configmaps without resourceNames', (o) => { delete get(o, 'Role').rules[0].resourceNames; }],
  ['rbac:secret-and-configmap-rules-have-resource-names', 'secrets without resourceNames', (o) => {
    get(o, 'Role').rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
  }],
  ['rbac:rolebinding-subjects-are-local-serviceaccounts', 'a User subject', (o) => { get(o, 'RoleBinding').subjects.push({ kind: 'User', name: 'alice' }); }],
  ['rbac:rolebinding-subjects-are-local-serviceaccounts', 'a ServiceAccount of another namespace', (o) => {
    get(o, 'RoleBinding').subjects[0].namespace = 'other';
  }],
];

// [what is fine, mutation]: variants the checks must accept.
const GOOD: Array<[string, Mutation]> = [
  ['an image pinned by digest', (o) => { ctr(o).image = `registry.example/web@sha256:${'a'.repeat(64)}`; }],
  ['an image with a tag behind a registry port', (o) => { ctr(o).image = 'registry.example:5000/web:1.0.0'; }],
  ['NET_BIND_SERVICE added', (o) => { ctr(o).securityContext.capabilities.add = ['NET_BIND_SERVICE']; }],
  ['runAsNonRoot and seccomp set on the container only', (o) => {
    pod(o).securityContext = {}; Object.assign(ctr(o).securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  }],
  ['an init container as locked down as the main one', withInitContainer({
    allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
  })],
  ['selectors using matchExpressions', (o) => {
    const expressions = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web', 'api'] }, { key: 'track', operator: 'DoesNotExist' }] };
    get(o, 'NetworkPolicy').spec.podSelector = expressions;
    get(o, 'PodDisruptionBudget').spec.selector = expressions;
  }],
  ['a namespace-wide default deny next to the service policy', add({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('default-deny'), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  })],
  ['maxUnavailable 25%', (o) => { get(o, 'PodDisruptionBudget').spec.maxUnavailable = '25%'; }],
  ['minAvailable below the HPA minReplicas', (o) => {
    Object.assign(get(o, 'PodDisruptionBudget').spec, { maxUnavailable: undefined, minAvailable: 1 });
  }],
  ['a single fixed replica without anti-affinity', both(without('HorizontalPodAutoscaler'), (o) => { delete pod(o).affinity; })],
  ['a StatefulSet', asStatefulSet],
  ['an Argo Rollout scaled by the HPA', asRollout],
  ['ConfigMap keys and literal env vars that do not look like secrets', (o) => {
    get(o, 'ConfigMap').data.CACHE_TTL = '60'; ctr(o).env.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=2048' });
  }],
  ['a CronJob needs no probes, spread constraints or disruption budget', (o) => {
    const template = structuredClone(workload(o).spec.template);
    delete template.spec.affinity; delete template.spec.topologySpreadConstraints;
    delete template.spec.containers[0].readinessProbe; delete template.spec.containers[0].livenessProbe;
    return [...o, {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('web-report'),
      spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } } },
    }];
  }],
  ['a Secret without values', add({ apiVersion: 'v1', kind: 'Secret', metadata: meta('web-token'), type: 'Opaque' })],
];

describe('policy checks', () => {
  test('the good set passes every check', () => {
    expect(checkObjects(goodSet())).toEqual([]);
  });

  test.each(GOOD)('accepts %s', (_, mutation) => {
    expect(checkObjects(mutated(mutation))).toEqual([]);
  });

  test.each(BAD)('%s reports %s', (check, _, mutation) => {
    const findings = checkObjects(mutated(mutation));
    expect(findings).toContainEqual(expect.objectContaining({ check }));
    for (const finding of findings) expect(finding.object).toMatch(/^[A-Za-z]+\/[a-z0-9-]*\/[a-z0-9-]+$/);
  });

  test('every check has a failing case above', () => {
    const covered = new Set(BAD.map(([check]) => check));
    expect(CHECK_IDS.filter((id) => !covered.has(id))).toEqual([]);
    expect([...covered].filter((id) => !CHECK_IDS.includes(id))).toEqual([]);
  });

  test('findings name the object as Kind/namespace/name', () => {
    expect(checkObjects(mutated((o) => { ctr(o).imagePullPolicy = 'IfNotPresent'; })))
      .toContainEqual({ check: 'kube-score:container-image-pull-policy', object: 'Deployment/shop/web', message: "container 'web': imagePullPolicy is IfNotPresent, must be Always" });
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  test.each([
    [{}, true],
    [undefined, false],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'Exists' }] }, false],
  ])('%j -> %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

test.each([
  ['registry.example/web:1.0.0', '1.0.0'],
  ['registry.example:5000/web', undefined],
  ['web', undefined],
  ['web:latest', 'latest'],
  [`web@sha256:${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}`],
])('imageTag(%s) is %s', (image, tag) => {
  expect(imageTag(image)).toBe(tag);
});
