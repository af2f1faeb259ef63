import { k8s } from 'cdk8s-plus-28';

/**
 * The Pod Security Standard "restricted" profile, in one place for every workload this
 * library emits (services, canaries, backup jobs).
 */

/** Who a workload's processes run as. */
export interface RunAsIdentity {
  /** @default 1000 */
  readonly user?: number;
  /** @default 1000 */
  readonly group?: number;
}

export function podSecurityContext(identity: RunAsIdentity = {}): k8s.PodSecurityContext {
  const user = identity.user ?? 1000;
  const group = identity.group ?? 1000;
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: group,
    fsGroup: group,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(identity: RunAsIdentity = {}): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: identity.user ?? 1000,
    runAsGroup: identity.group ?? 1000,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A writable scratch directory on a read-only root filesystem. */
export interface ScratchDirectory {
  readonly volumeName: string;
  readonly mountPath: string;
}

/** `/tmp` and `/var/log`: the two places most runtimes write to even when told not to. */
export const DEFAULT_SCRATCH_DIRECTORIES: readonly ScratchDirectory[] = [
  { volumeName: 'tmp', mountPath: '/tmp' },
  { volumeName: 'var-log', mountPath: '/var/log' },
];

export function scratchVolumes(directories: readonly ScratchDirectory[], sizeLimit: string): k8s.Volume[] {
  return directories.map((dir) => ({ name: dir.volumeName, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } }));
}

export function scratchMounts(directories: readonly ScratchDirectory[]): k8s.VolumeMount[] {
  return directories.map((dir) => ({ name: dir.volumeName, mountPath: dir.mountPath }));
}
