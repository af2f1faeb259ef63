import { Duration } from 'cdk8s';

/** Where an External Secrets Operator store is defined. */
export enum SecretStoreKind {
  /** A `SecretStore` in the workload's own namespace. */
  NAMESPACED = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER = 'ClusterSecretStore',
}

/**
 * An External Secrets Operator store (a vault, a cloud secret manager) that ExternalSecrets read
 * from, by name. The store itself, and its credentials, are set up outside this library.
 */
export class SecretStoreRef {
  /** The `ClusterSecretStore` named `name`, shared by every namespace it admits. */
  public static cluster(name: string): SecretStoreRef {
    return new SecretStoreRef(SecretStoreKind.CLUSTER, name);
  }

  /** The `SecretStore` named `name` in the workload's own namespace. */
  public static namespaced(name: string): SecretStoreRef {
    return new SecretStoreRef(SecretStoreKind.NAMESPACED, name);
  }

  private constructor(public readonly kind: SecretStoreKind, public readonly name: string) {}
}

/** Where the value of one key of a Secret comes from, for {@link SecretKeyRef.fromExternalSecret}. */
export interface ExternalSecretKeyOptions {
  /** The Secret the External Secrets Operator writes (and the ExternalSecret's name); a DNS-1123 subdomain. */
  readonly secretName: string;
  /** The key of that Secret the workload reads. */
  readonly key: string;
  /** The store the value is read from: `SecretStoreRef.cluster('vault-backend')`. */
  readonly store: SecretStoreRef;
  /** The secret's key (its path) in the store, e.g. "fintech/production/finance-db". */
  readonly remoteKey: string;
  /**
   * The property of the remote secret when it holds several values (a Vault KV map, a JSON object).
   * @default - the remote secret's whole value
   */
  readonly property?: string;
  /**
   * How often the operator reads the store again and updates the Secret: how long a rotation in
   * the store takes at most to reach the Secret. From 1 minute to 24 hours.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/**
 * A reference to one key of a Secret. Holds no secret value, only where to find it. The construct
 * that uses it checks the name (a DNS subdomain), the key and, for a Secret synchronised from a
 * store, the store and remote key, so that an error names that construct's path and prop.
 */
export class SecretKeyRef {
  /** The key `key` of the Secret `secretName`, created outside git in the workload's namespace. */
  public static of(secretName: string, key: string): SecretKeyRef {
    return new SecretKeyRef(secretName, key);
  }

  /**
   * The key `key` of the Secret `secretName`, which the External Secrets Operator writes and keeps
   * up to date from a store. The construct that reads it creates the ExternalSecret (one per
   * Secret, with every key the construct reads) and, for long-running pods, the annotation that
   * makes them roll when the Secret changes.
   */
  public static fromExternalSecret(options: ExternalSecretKeyOptions): SecretKeyRef {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      // Checked by the construct that reads the reference, which names its path and prop.
      const ref = new SecretKeyRef(undefined!, undefined!);
      MALFORMED_OPTIONS.set(ref, { value: options });
      return ref;
    }
    const { secretName, key, ...source } = options;
    return new SecretKeyRef(secretName, key, source);
  }

  private constructor(
    public readonly secretName: string,
    public readonly key: string,
    /** Where the External Secrets Operator reads the value; undefined for a Secret created outside git. */
    public readonly externalSource?: ExternalSecretSource,
  ) {}
}

/** The store side of an {@link ExternalSecretKeyOptions}: everything but the Secret's name and key. */
export type ExternalSecretSource = Omit<ExternalSecretKeyOptions, 'secretName' | 'key'>;

/** The references whose factory got something other than an options object, with what it got. */
const MALFORMED_OPTIONS = new WeakMap<SecretKeyRef, { readonly value: unknown }>();

/** What `SecretKeyRef.fromExternalSecret` was given instead of an options object, or undefined when it got one. */
export function malformedSecretKeyRefOptions(ref: SecretKeyRef): { readonly value: unknown } | undefined {
  return MALFORMED_OPTIONS.get(ref);
}
