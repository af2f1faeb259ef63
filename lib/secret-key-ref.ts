/**
 * A reference to one key of a Secret created outside git. Holds no secret value, only where to
 * find it. The construct that uses it checks the name (a DNS subdomain) and the key, so that an
 * error names that construct's path and prop.
 */
export class SecretKeyRef {
  /** The key `key` of the Secret `secretName`, in the workload's namespace. */
  public static of(secretName: string, key: string): SecretKeyRef {
    return new SecretKeyRef(secretName, key);
  }

  private constructor(public readonly secretName: string, public readonly key: string) {}
}
