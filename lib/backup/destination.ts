import { IConstruct } from 'constructs';
import { checkNetworkPeer, NetworkPeer } from '../network-peer';
import { SecretKeyRef } from '../secret-key-ref';
import { invalidProp } from '../shared/errors';
import {
  checkInstance, checkNotCredentialName, checkNotSecret, checkRecord, checkString, checkUrl, checkValueOrSecretKeyRef, isCredentialName, propPath,
} from '../shared/validation';
import { checkOptions, checkPeerAllowsPort, JobEnvVar, requiredSecret, urlPort } from './source';

/** The rclone remote the scripts use: `backup:`, configured by `RCLONE_CONFIG_BACKUP_*` variables. */
export const RCLONE_REMOTE = 'backup';
const RCLONE_ENV_PREFIX = `RCLONE_CONFIG_${RCLONE_REMOTE.toUpperCase()}_`;

/** The default peer of the cloud object stores: any address on HTTPS. */
const HTTPS_ANYWHERE = (port = 443) => NetworkPeer.external('object-store', [{ port }]);

/** Amazon S3 or an S3-compatible store (MinIO, Ceph, ...). */
export interface S3DestinationOptions {
  readonly bucket: string;
  /** The key of the Secret holding the access key id. */
  readonly accessKeyId: SecretKeyRef;
  /** The key of the Secret holding the secret access key. */
  readonly secretAccessKey: SecretKeyRef;
  /** @default - the provider's default region */
  readonly region?: string;
  /** An S3-compatible endpoint URL; the default peer allows its port. @default - AWS */
  readonly endpoint?: string;
  /** rclone's S3 `provider` (AWS, Minio, Ceph, ...). @default "AWS" */
  readonly provider?: string;
  /** @default NetworkPeer.external('object-store', [{ port }]) with the endpoint's port, 443 without an endpoint */
  readonly peer?: NetworkPeer;
}

/** Azure Blob Storage, authenticated by an account key or a SAS URL from a Secret. */
export interface AzureBlobDestinationOptions {
  readonly container: string;
  /** The storage account name, or the key of a Secret that holds it. */
  readonly account: string | SecretKeyRef;
  /** The key of the Secret holding the account key. Give this or `sasUrl`. @default - none */
  readonly key?: SecretKeyRef;
  /** The key of the Secret holding a SAS URL for the container. Give this or `key`. @default - none */
  readonly sasUrl?: SecretKeyRef;
  /** @default NetworkPeer.external('object-store', [{ port: 443 }]) */
  readonly peer?: NetworkPeer;
}

/** Google Cloud Storage, authenticated by a service account's JSON key from a Secret. */
export interface GcsDestinationOptions {
  readonly bucket: string;
  /** The key of the Secret holding the service account's JSON credentials. */
  readonly serviceAccountCredentials: SecretKeyRef;
  /** @default NetworkPeer.external('object-store', [{ port: 443 }]) */
  readonly peer?: NetworkPeer;
}

/** Any rclone backend, configured option by option (rclone's option names, e.g. `endpoint`). */
export interface RcloneDestinationOptions {
  /** rclone backend type, e.g. "s3", "azureblob", "sftp", "local". */
  readonly type: string;
  /** Bucket, container or folder (and optional sub-folder) on the remote. */
  readonly path: string;
  /** Non-secret options. Names that look like credentials are refused: use `secretOptions`. @default - none */
  readonly options?: Record<string, string>;
  /** Options read from Secrets. @default - none */
  readonly secretOptions?: Record<string, SecretKeyRef>;
  /** Where the remote is, for the NetworkPolicy. @default - no egress rule (e.g. the `local` backend) */
  readonly peer?: NetworkPeer;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const OPTION_NAME = /^[a-z][a-z0-9_]*$/;
/** An rclone backend's prefix (`sftp`, `azureblob`, `gcs`): what `RCLONE_CONFIG_<remote>_TYPE` takes. */
const BACKEND_TYPE = /^[a-z][a-z0-9]*$/;
const REGION = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PEER_EXAMPLE = "NetworkPeer.external('object-store', [{ port: 443 }], '203.0.113.0/24')";
const PROVIDER = /^[A-Za-z0-9]+$/;
/** rclone's S3 providers, as rclone spells them. */
const S3_PROVIDERS = [
  'AWS', 'Alibaba', 'ArvanCloud', 'Ceph', 'ChinaMobile', 'Cloudflare', 'DigitalOcean', 'Dreamhost', 'GCS', 'HuaweiOBS', 'IBMCOS', 'IDrive', 'IONOS',
  'LyveCloud', 'Leviia', 'Liara', 'Linode', 'Magalu', 'Minio', 'Netease', 'Outscale', 'Petabox', 'RackCorp', 'Rclone', 'Scaleway', 'SeaweedFS',
  'Selectel', 'StackPath', 'Storj', 'Synology', 'TencentCOS', 'Wasabi', 'Qiniu', 'Other',
];
/**
 * The options rclone requires of a backend, as `rclone config providers` marks them Required
 * (backends whose requirements depend on their provider are left out).
 */
export const RCLONE_REQUIRED_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  alias: ['remote'], b2: ['account', 'key'], cache: ['remote'], chunker: ['remote'], combine: ['upstreams'], compress: ['remote'],
  crypt: ['remote', 'password'], filefabric: ['url'], ftp: ['host'], hasher: ['remote'], hdfs: ['namenode'], http: ['url'],
  mailru: ['user', 'pass'], netstorage: ['host', 'account', 'secret'], opendrive: ['username', 'password'], seafile: ['url', 'user'],
  sftp: ['host'], smb: ['host'], union: ['upstreams'], webdav: ['url'],
};
/** Backend types people write for a store that rclone names otherwise (S3 providers that are not backends too), with the factory that configures it. */
const MISTAKEN_BACKENDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(S3_PROVIDERS.filter((provider) => !['GCS', 'Storj', 'Rclone', 'Other'].includes(provider))
    .map((provider) => [provider.toLowerCase(), `BackupDestination.s3({ provider: '${provider}', ... })`])),
  amazon: "BackupDestination.s3({ provider: 'AWS', ... })",
  azure: 'BackupDestination.azureBlob(...)',
  blob: 'BackupDestination.azureBlob(...)',
  google: 'BackupDestination.gcs(...)',
  gcp: 'BackupDestination.gcs(...)',
};
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const NOT_A_SECRET = 'give credentials as Secret references, SecretKeyRef.of(secretName, key)';

/**
 * Where backups go: object storage reached through rclone, which speaks S3, Azure Blob, GCS, a
 * local folder and many more. The remote is configured entirely from environment variables
 * (`RCLONE_CONFIG_BACKUP_TYPE=s3`, ...), the credentials from Secret references, never values.
 *
 * The options are checked by the BackupCronJob that uses the destination, so that every error
 * names its construct path and the option (`destination.bucket`).
 */
export class BackupDestination {
  /** Amazon S3 or an S3-compatible store. Needs only object read/write/list/delete on the bucket (no bucket creation). */
  public static s3(options: S3DestinationOptions): BackupDestination {
    // A MinIO or Ceph endpoint listens on its own port: the Jobs' NetworkPolicy must allow that one.
    const port = urlPort(options?.endpoint) || 443;
    return new BackupDestination('s3', options?.bucket, options?.peer ?? HTTPS_ANYWHERE(port), (scope, prop) => {
      checkCommon(scope, prop, options, 'BackupDestination.s3', ['bucket', 'accessKeyId', 'secretAccessKey', 'region', 'endpoint', 'provider', 'peer'], port, options?.endpoint === undefined ? undefined : `${prop}.endpoint`);
      checkBucket(scope, `${prop}.bucket`, options.bucket);
      const provider = options.provider === undefined ? 'AWS' : checkString(scope, `${prop}.provider`, options.provider, { example: '"AWS" or "Minio"' });
      if (!PROVIDER.test(provider)) throw invalidProp(scope, `${prop}.provider`, provider, 'must be an rclone S3 provider name such as "AWS", "Minio" or "Ceph"');
      const spelt = S3_PROVIDERS.find((p) => p.toLowerCase() === provider.toLowerCase());
      if (spelt !== undefined && spelt !== provider) {
        throw invalidProp(scope, `${prop}.provider`, provider, `must be spelt "${spelt}": rclone compares provider names as written, and takes an unknown one for a generic S3 store`);
      }
      checkNotSecret(scope, `${prop}.provider`, provider, NOT_A_SECRET);
      if (options.region !== undefined && !REGION.test(checkString(scope, `${prop}.region`, options.region, { example: '"eu-central-1"' }))) {
        throw invalidProp(scope, `${prop}.region`, options.region, 'must be a region name such as "eu-central-1"');
      }
      if (options.region !== undefined) checkNotSecret(scope, `${prop}.region`, options.region, NOT_A_SECRET);
      const endpoint = options.endpoint === undefined ? undefined
        : checkNotSecret(scope, `${prop}.endpoint`,
          checkUrl(scope, `${prop}.endpoint`, options.endpoint, { schemes: ['https', 'http'], example: 'https://minio.storage.svc:9000' }));
      return [
        { name: 'PROVIDER', value: provider },
        { name: 'ENV_AUTH', value: 'false' },
        { name: 'NO_CHECK_BUCKET', value: 'true' },
        ...(options.region ? [{ name: 'REGION', value: options.region }] : []),
        ...(endpoint ? [{ name: 'ENDPOINT', value: endpoint }] : []),
        requiredSecret(scope, `${prop}.accessKeyId`, 'ACCESS_KEY_ID', options.accessKeyId, 'the S3 access key id'),
        requiredSecret(scope, `${prop}.secretAccessKey`, 'SECRET_ACCESS_KEY', options.secretAccessKey, 'the S3 secret access key'),
      ];
    });
  }

  /** Azure Blob Storage. */
  public static azureBlob(options: AzureBlobDestinationOptions): BackupDestination {
    return new BackupDestination('azureblob', options?.container, options?.peer ?? HTTPS_ANYWHERE(), (scope, prop) => {
      checkCommon(scope, prop, options, 'BackupDestination.azureBlob', ['container', 'account', 'key', 'sasUrl', 'peer'], 443);
      checkBucket(scope, `${prop}.container`, options.container);
      if ((options.key === undefined) === (options.sasUrl === undefined)) {
        throw invalidProp(scope, prop, 'key/sasUrl', "must reference exactly one Secret: 'key' (the account key) or 'sasUrl'; credentials are never accepted as values");
      }
      const account = checkValueOrSecretKeyRef(scope, `${prop}.account`, options.account,
        "e.g. 'fintechbackups' or SecretKeyRef.of('azure-storage', 'account')");
      if (typeof account === 'string' && !STORAGE_ACCOUNT.test(account)) {
        throw invalidProp(scope, `${prop}.account`, account, 'must be a storage account name: 3-24 lowercase letters and digits');
      }
      return [
        typeof account === 'string' ? { name: 'ACCOUNT', value: account } : { name: 'ACCOUNT', secret: account },
        options.key !== undefined
          ? requiredSecret(scope, `${prop}.key`, 'KEY', options.key, 'the storage account key')
          : requiredSecret(scope, `${prop}.sasUrl`, 'SAS_URL', options.sasUrl, 'a SAS URL'),
      ];
    });
  }

  /** Google Cloud Storage (uniform bucket-level access). */
  public static gcs(options: GcsDestinationOptions): BackupDestination {
    return new BackupDestination('google cloud storage', options?.bucket, options?.peer ?? HTTPS_ANYWHERE(), (scope, prop) => {
      checkCommon(scope, prop, options, 'BackupDestination.gcs', ['bucket', 'serviceAccountCredentials', 'peer'], 443);
      checkBucket(scope, `${prop}.bucket`, options.bucket);
      return [
        { name: 'BUCKET_POLICY_ONLY', value: 'true' },
        requiredSecret(scope, `${prop}.serviceAccountCredentials`, 'SERVICE_ACCOUNT_CREDENTIALS', options.serviceAccountCredentials,
          "the service account's JSON credentials"),
      ];
    });
  }

  /**
   * Any rclone backend, e.g. `{ type: 'sftp', path: 'backups', options: { host: ... }, secretOptions: { pass: ... } }`.
   * The `local` backend writes inside the pod: useful only with a volume mounted at `path`
   * (add it with `ApiObject.of(backup.cronJob).addJsonPatch(...)`), and in tests.
   */
  public static rclone(options: RcloneDestinationOptions): BackupDestination {
    const local = options?.type === 'local';
    const path = local && typeof options.path === 'string' ? options.path.replace(/^\/+/, '') : options?.path;
    return new BackupDestination(options?.type, path, options?.peer, (scope, prop) => {
      checkCommon(scope, prop, options, 'BackupDestination.rclone', ['type', 'path', 'options', 'secretOptions', 'peer']);
      const type = checkString(scope, `${prop}.type`, options.type, { example: '"s3" or "local"' });
      if (!BACKEND_TYPE.test(type)) throw invalidProp(scope, `${prop}.type`, type, 'must be an rclone backend type as "rclone help backends" lists it (one lowercase word), e.g. "sftp", "s3" or "local"');
      if (Object.prototype.hasOwnProperty.call(MISTAKEN_BACKENDS, type)) {
        throw invalidProp(scope, `${prop}.type`, type, `is not an rclone backend (rclone would find no backend called "${type}"); use ${MISTAKEN_BACKENDS[type]}`);
      }
      const given = checkString(scope, `${prop}.path`, options.path, { example: '"fintech-backups"' });
      if (!PATH.test(local ? given.replace(/^\/+/, '') : given)) {
        throw invalidProp(scope, `${prop}.path`, given, 'must be a bucket or folder path: letters, digits, "_", "-", "." separated by "/"');
      }
      checkNotSecret(scope, `${prop}.path`, given, NOT_A_SECRET);
      const plainOptions = checkRecord<string>(scope, `${prop}.options`, options.options ?? {}, "{ endpoint: 'https://...' }");
      const plain = Object.entries(plainOptions).map(([name, value]) => {
        checkOptionName(scope, propPath(`${prop}.options`, name), name);
        checkNotCredentialName(scope, `${prop}.options.${name}`, name, "use 'secretOptions' with SecretKeyRef.of(secretName, key)");
        const checked = checkString(scope, propPath(`${prop}.options`, name), value, { allowEmpty: true, example: '"true" rather than true' });
        return { name: name.toUpperCase(), value: checkNotSecret(scope, propPath(`${prop}.options`, name), checked, "use 'secretOptions' with SecretKeyRef.of(secretName, key)") };
      });
      const secretOptions = checkRecord<SecretKeyRef>(scope, `${prop}.secretOptions`, options.secretOptions ?? {}, "{ pass: SecretKeyRef.of('sftp', 'password') }");
      const secret = Object.entries(secretOptions).map(([name, ref]) => {
        checkOptionName(scope, propPath(`${prop}.secretOptions`, name), name);
        return requiredSecret(scope, `${prop}.secretOptions.${name}`, name.toUpperCase(), ref, `the rclone option '${name}'`);
      });
      const missing = (RCLONE_REQUIRED_OPTIONS[type] ?? []).find((name) => !(name in plainOptions) && !(name in secretOptions));
      if (missing !== undefined) {
        const where = isCredentialName(missing) ? `secretOptions.${missing}` : `options.${missing}`;
        const example = isCredentialName(missing) ? `SecretKeyRef.of('${type}', '${missing}')` : `'...'`;
        throw invalidProp(scope, `${prop}.${where}`, undefined, `is required by rclone's "${type}" backend, which fails every run without it; e.g. ${where.split('.')[0]}: { ${missing}: ${example} }`);
      }
      return [...plain, ...secret];
    }, local);
  }

  private constructor(
    /** rclone backend type. */
    public readonly type: string,
    /** Bucket, container or folder (with sub-folders) on the remote; without a leading "/". */
    public readonly path: string,
    /** Where the store is, for the NetworkPolicy; undefined: no egress rule. */
    public readonly peer: NetworkPeer | undefined,
    private readonly backendOptions: (scope: IConstruct, prop: string) => JobEnvVar[],
    private readonly absolutePath = false,
  ) {}

  /**
   * The remote folder for `prefix` (e.g. `backup:fintech-backups/fintech-production/platform-db`);
   * checks the options against `scope`, naming them `<prop>.<option>`.
   * @internal
   */
  public _remotePath(scope: IConstruct, prefix: string, prop = 'destination'): string {
    this.backendOptions(scope, prop);
    if (!PATH.test(this.path)) {
      throw invalidProp(scope, `${prop}.path`, this.path, 'must be a bucket or folder path: letters, digits, "_", "-", "." separated by "/"');
    }
    return `${RCLONE_REMOTE}:${this.absolutePath ? '/' : ''}${this.path}/${prefix}`;
  }

  /**
   * The `RCLONE_CONFIG_BACKUP_*` variables; checks the options against `scope`, naming them `<prop>.<option>`.
   * @internal
   */
  public _environment(scope: IConstruct, prop = 'destination'): JobEnvVar[] {
    const options = this.backendOptions(scope, prop);
    return [
      { name: `${RCLONE_ENV_PREFIX}TYPE`, value: this.type },
      ...options.map((o) => ({ ...o, name: `${RCLONE_ENV_PREFIX}${o.name}` })),
    ];
  }
}

/** The options object, its option names and the peer, common to every destination. */
/** The options with a default, which a JavaScript caller may give as null meaning "the default". */
const OPTIONAL_OPTIONS = ['region', 'endpoint', 'provider', 'peer', 'key', 'sasUrl', 'options', 'secretOptions'];

function checkCommon(
  scope: IConstruct, prop: string, options: { readonly peer?: NetworkPeer } | undefined, factory: string, known: readonly string[],
  port?: number, portProp?: string,
): void {
  checkOptions(scope, prop, options, factory, known, OPTIONAL_OPTIONS);
  if (options!.peer === undefined) return;
  checkNetworkPeer(scope, `${prop}.peer`, checkInstance(scope, `${prop}.peer`, options!.peer, NetworkPeer, PEER_EXAMPLE));
  // rclone's other backends connect wherever their options say: their port is not known here.
  if (port !== undefined) checkPeerAllowsPort(scope, `${prop}.peer`, options!.peer, port, portProp);
}

function checkBucket(scope: IConstruct, prop: string, bucket: string): void {
  if (typeof bucket !== 'string' || !BUCKET.test(bucket)) {
    throw invalidProp(scope, prop, bucket, 'must be a bucket or container name: 3-63 lowercase letters, digits, "-" and "."');
  }
  checkNotSecret(scope, prop, bucket, NOT_A_SECRET);
}

function checkOptionName(scope: IConstruct, prop: string, name: string): void {
  if (!OPTION_NAME.test(name)) throw invalidProp(scope, prop, name, 'must be an rclone option name such as "endpoint" or "no_check_bucket"');
}
