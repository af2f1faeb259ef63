/**
 * Which kinds are cluster-scoped: an object of any other kind of these API groups lives in a
 * namespace, and without one it goes wherever the tool applying it points.
 */

/** The cluster-scoped kinds of Kubernetes 1.28 and of the operators' CRDs this library knows, as `<group>/<kind>`. */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass',
  'certificates.k8s.io/CertificateSigningRequest', 'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'cert-manager.io/ClusterIssuer', 'external-secrets.io/ClusterSecretStore', 'external-secrets.io/ClusterExternalSecret',
  'argoproj.io/ClusterAnalysisTemplate', 'snapshot.storage.k8s.io/VolumeSnapshotClass', 'snapshot.storage.k8s.io/VolumeSnapshotContent',
]);

/** API groups whose kinds are all listed above when cluster-scoped: any other kind of theirs is namespaced. */
const KNOWN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'monitoring.coreos.com', 'argoproj.io', 'external-secrets.io', 'autoscaling.k8s.io', 'kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io',
]);

/** The API group of an object's `apiVersion` or of an ApiObject's `apiGroup`: "" for the core group. */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion === 'core' || !apiVersion.includes('/') ? '' : apiVersion.split('/')[0];
}

/** Whether a kind of this group is known to be cluster-scoped. */
export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** Whether a kind of this group is known to live in a namespace (a kind of an unknown group is neither). */
export function isKnownNamespaced(group: string, kind: string): boolean {
  return KNOWN_GROUPS.has(group) && !isClusterScoped(group, kind);
}
