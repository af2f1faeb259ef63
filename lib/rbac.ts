import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** What a workload's pods may read of the API, beyond nothing. */
export interface WorkloadAccess {
  /** The ServiceAccount's and the Role's metadata. */
  readonly metadata: k8s.ObjectMeta;
  readonly namespace: string;
  /** Mount the ServiceAccount's token into the pods. */
  readonly automountServiceAccountToken: boolean;
  /** ConfigMaps the pods read, by name. */
  readonly configMaps: readonly string[];
  /** Secrets the pods read, by name. */
  readonly secrets: readonly string[];
}

/** A workload's own ServiceAccount and, when it reads ConfigMaps or Secrets, a Role that allows exactly those. */
export interface WorkloadIdentity {
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** Undefined when the workload reads nothing. */
  readonly role?: k8s.KubeRole;
  readonly roleBinding?: k8s.KubeRoleBinding;
}

/**
 * The ServiceAccount (id `ServiceAccount`) of a workload, and a least-privilege Role (id `Role`)
 * with its binding (id `RoleBinding`): read-only, on the named objects only.
 */
export function createWorkloadIdentity(scope: Construct, access: WorkloadAccess): WorkloadIdentity {
  const serviceAccount = new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: access.metadata,
    automountServiceAccountToken: access.automountServiceAccountToken,
  });
  const secrets = [...new Set(access.secrets)].sort();
  if (access.configMaps.length === 0 && secrets.length === 0) return { serviceAccount };
  const readOnly = (resource: string, names: readonly string[]): k8s.PolicyRule[] =>
    names.length ? [{ apiGroups: [''], resources: [resource], resourceNames: [...names], verbs: ['get', 'list', 'watch'] }] : [];
  const role = new k8s.KubeRole(scope, 'Role', {
    metadata: access.metadata,
    rules: [...readOnly('configmaps', access.configMaps), ...readOnly('secrets', secrets)],
  });
  const roleBinding = new k8s.KubeRoleBinding(scope, 'RoleBinding', {
    metadata: access.metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: access.namespace }],
  });
  return { serviceAccount, role, roleBinding };
}
