import { IConstruct } from 'constructs';
import { checkNetworkPeer, NetworkPeer, NetworkPeerKind } from '../network-peer';
import { SecretKeyRef } from '../secret-key-ref';
import { invalidProp } from '../shared/errors';
import {
  checkArray, checkBoolean, checkInstance, checkKnownKeys, checkNoNullOptions, checkNotSecret, checkOneOf, checkPort, checkSecretKeyRef, checkUrl,
  checkValueOrSecretKeyRef,
} from '../shared/validation';
import { BackupSourceKind } from './scripts';

/**
 * One environment variable of a backup Job: a plain value, or a reference to a Secret's key.
 * @internal
 */
export interface JobEnvVar {
  readonly name: string;
  readonly value?: string;
  readonly secret?: SecretKeyRef;
}

/** libpq's `sslmode`. */
export type PostgresSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** A PostgreSQL database to back up with `pg_dump`. Credentials are Secret references only. */
export interface PostgresSourceOptions {
  /** The database to dump (`PGDATABASE`); also the default restore target. */
  readonly database: string;
  /** The server's host name, or the key of a Secret that holds it (`PGHOST`). */
  readonly host: string | SecretKeyRef;
  /** @default 5432 */
  readonly port?: number;
  /** The role to connect as, or the key of a Secret that holds it (`PGUSER`). */
  readonly user: string | SecretKeyRef;
  /** The key of the Secret that holds the role's password (`PGPASSWORD`). */
  readonly password: SecretKeyRef;
  /**
   * libpq `sslmode` (`PGSSLMODE`). `require` encrypts without checking the certificate; use
   * `verify-full` when the image trusts the server's CA.
   * @default "require"
   */
  readonly sslMode?: PostgresSslMode;
  /**
   * Where the database is, for the Jobs' NetworkPolicy egress rule.
   * @default NetworkPeer.external('postgres', [{ port }]) (any address, on the database port only)
   */
  readonly peer?: NetworkPeer;
  /**
   * Tables that the restore verification requires to exist and hold rows, as `schema.table`; their
   * schemas must exist too.
   * @default ["fintech.users", "fintech.transactions"] (the platform's schema, PLATFORM.md "Backups")
   */
  readonly verifyTables?: string[];
  /**
   * The role that owns the database's objects. A backup holds no owners and no grants (roles are
   * cluster-level), so the restore and the restore verification create every object as this role
   * (`SET ROLE`), never as `user`: the application finds its tables and sequences owned as before.
   * `user` must be a member of it (`GRANT <owner> TO <user>`), or a superuser; the verification
   * creates its scratch database owned by it.
   * @default - the owner of the database restored into (for the verification, of the source database)
   */
  readonly owner?: string;
  /**
   * Roles that use the database's objects without owning them (e.g. the services' login roles).
   * After restoring, in the same transaction, each is granted USAGE on every restored schema,
   * SELECT, INSERT, UPDATE and DELETE on all its tables and USAGE, SELECT and UPDATE on all its
   * sequences; the verification checks that they can read and write `verifyTables`.
   * @default - none: the application connects as `owner`
   */
  readonly applicationRoles?: string[];
}

/** A Redis server to snapshot with `redis-cli --rdb`. */
export interface RedisSourceOptions {
  /** The server's host name, or the key of a Secret that holds it (`REDIS_HOST`). */
  readonly host: string | SecretKeyRef;
  /** @default 6379 */
  readonly port?: number;
  /**
   * The key of the Secret that holds the password (`REDISCLI_AUTH`). The user needs the
   * replication commands (`SYNC`/`PSYNC`) that `--rdb` uses.
   */
  readonly password: SecretKeyRef;
  /** Connect with TLS (`redis-cli --tls`). @default false */
  readonly tls?: boolean;
  /** @default NetworkPeer.external('redis', [{ port }]) */
  readonly peer?: NetworkPeer;
}

/** The transaction event store's export endpoint (`GET /events/export`), e.g. of transaction-service. */
export interface EventStoreExportOptions {
  /** The export URL (`EVENTS_EXPORT_URL`), e.g. "http://transaction-service:8004/events/export". */
  readonly url: string;
  /** The key of a Secret holding a bearer token for the endpoint (`EVENTS_EXPORT_TOKEN`). @default - no Authorization header */
  readonly token?: SecretKeyRef;
  /**
   * Where the endpoint is, for the NetworkPolicy; e.g. `NetworkPeer.service(transactionService)` for a FintechService of the app.
   * @default NetworkPeer.external('event-store-export', [{ port }]) with the URL's port
   */
  readonly peer?: NetworkPeer;
}

const DEFAULT_VERIFY_TABLES = ['fintech.users', 'fintech.transactions'];
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const QUALIFIED_TABLE = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;
const HOST = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/;
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

const POSTGRES_OPTIONS = ['database', 'host', 'port', 'user', 'password', 'sslMode', 'peer', 'verifyTables', 'owner', 'applicationRoles'];
const REDIS_OPTIONS = ['host', 'port', 'password', 'tls', 'peer'];
const EVENT_STORE_OPTIONS = ['url', 'token', 'peer'];
/** The options with a default, which a JavaScript caller may give as null meaning "the default". */
const OPTIONAL_OPTIONS = ['port', 'sslMode', 'peer', 'verifyTables', 'owner', 'applicationRoles', 'tls', 'token'];

/**
 * What a {@link BackupCronJob} backs up: a PostgreSQL database, a Redis server or the event-store
 * export. Each comes with the same safeguards (checksum, integrity check before upload, upload
 * under a temporary name, retention that keeps the newest) and its own Job environment.
 *
 * The options are checked by the BackupCronJob that uses the source, so that every error names
 * its construct path and the option (`source.port`).
 *
 * @example
 * BackupSource.postgres({
 *   database: 'platform',
 *   host: SecretKeyRef.of('platform-db', 'host'),
 *   user: SecretKeyRef.of('platform-db', 'user'),
 *   password: SecretKeyRef.of('platform-db', 'password'),
 * })
 */
export class BackupSource {
  /** `pg_dump --format=plain | gzip` to `backup_<YYYYmmdd_HHMMSS>.sql.gz`; restorable with `gunzip -c FILE | psql`. */
  public static postgres(options: PostgresSourceOptions): BackupSource {
    const port = options?.port ?? 5432;
    return new BackupSource(BackupSourceKind.POSTGRES, port, () => NetworkPeer.external('postgres', [{ port }]), options);
  }

  /** `redis-cli --rdb` snapshot, gzip-compressed, to `backup_<YYYYmmdd_HHMMSS>.rdb.gz`. */
  public static redis(options: RedisSourceOptions): BackupSource {
    const port = options?.port ?? 6379;
    return new BackupSource(BackupSourceKind.REDIS, port, () => NetworkPeer.external('redis', [{ port }]), options);
  }

  /** The event store's `GET /events/export`, gzip-compressed, to `backup_<YYYYmmdd_HHMMSS>.events.gz`. */
  public static eventStoreExport(options: EventStoreExportOptions): BackupSource {
    const port = urlPort(options?.url);
    return new BackupSource(BackupSourceKind.EVENT_STORE, port ?? 0,
      () => NetworkPeer.external('event-store-export', port ? [{ port }] : []), options);
  }

  private resolvedPeer?: NetworkPeer;

  private constructor(
    public readonly kind: BackupSourceKind,
    /** The port the Jobs connect to (for the default peer). */
    public readonly port: number,
    private readonly defaultPeer: () => NetworkPeer,
    private readonly options: PostgresSourceOptions | RedisSourceOptions | EventStoreExportOptions,
  ) {}

  /** Where the source is, for the NetworkPolicy. */
  public get peer(): NetworkPeer {
    this.resolvedPeer ??= this.options?.peer ?? this.defaultPeer();
    return this.resolvedPeer;
  }

  /** The PostgreSQL database name; undefined for other sources. */
  public get database(): string | undefined {
    return this.kind === BackupSourceKind.POSTGRES ? (this.options as PostgresSourceOptions).database : undefined;
  }

  /** The `schema.table` names the restore verification checks (PostgreSQL); empty for other sources. */
  public get verifyTables(): readonly string[] {
    return this.kind === BackupSourceKind.POSTGRES ? ((this.options as PostgresSourceOptions).verifyTables ?? DEFAULT_VERIFY_TABLES) : [];
  }

  /** The role the restored objects belong to (PostgreSQL); undefined: the owner of the database restored into. */
  public get owner(): string | undefined {
    return this.kind === BackupSourceKind.POSTGRES ? (this.options as PostgresSourceOptions).owner : undefined;
  }

  /** The roles granted the use of restored objects (PostgreSQL); empty for other sources. */
  public get applicationRoles(): readonly string[] {
    return this.kind === BackupSourceKind.POSTGRES ? ((this.options as PostgresSourceOptions).applicationRoles ?? []) : [];
  }

  /**
   * Checks the ownership options against `scope` and returns the restore and verification Jobs'
   * environment for them (PostgreSQL; empty for other sources).
   * @internal
   */
  public _restoreEnvironment(scope: IConstruct): JobEnvVar[] {
    if (this.kind !== BackupSourceKind.POSTGRES) return [];
    const owner = this.owner;
    if (owner !== undefined) checkRoleName(scope, 'source.owner', owner);
    const roles = this.applicationRoles;
    if (!Array.isArray(roles)) throw invalidProp(scope, 'source.applicationRoles', roles, 'must be a list of PostgreSQL role names');
    roles.forEach((role, i) => {
      checkRoleName(scope, `source.applicationRoles[${i}]`, role);
      if (role === owner) throw invalidProp(scope, `source.applicationRoles[${i}]`, role, "is the 'owner', which owns the objects and needs no grants");
      if (roles.indexOf(role) !== i) throw invalidProp(scope, `source.applicationRoles[${i}]`, role, 'is listed twice');
    });
    return [
      ...(owner !== undefined ? [{ name: 'RESTORE_OWNER', value: owner }] : []),
      ...(roles.length > 0 ? [{ name: 'RESTORE_APPLICATION_ROLES', value: roles.join(' ') }] : []),
    ];
  }

  /**
   * Checks the options against `scope` (errors name `source.<option>`) and returns the Job's
   * environment for the source, connecting to `database` when given (a restore target or scratch database).
   * @internal
   */
  public _environment(scope: IConstruct, database?: string): JobEnvVar[] {
    const factory = { [BackupSourceKind.POSTGRES]: 'postgres', [BackupSourceKind.REDIS]: 'redis', [BackupSourceKind.EVENT_STORE]: 'eventStoreExport' }[this.kind];
    const known = { [BackupSourceKind.POSTGRES]: POSTGRES_OPTIONS, [BackupSourceKind.REDIS]: REDIS_OPTIONS, [BackupSourceKind.EVENT_STORE]: EVENT_STORE_OPTIONS }[this.kind];
    checkOptions(scope, 'source', this.options, `BackupSource.${factory}`, known, OPTIONAL_OPTIONS);
    if (this.options.peer !== undefined) {
      const example = "NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')";
      checkNetworkPeer(scope, 'source.peer', checkInstance(scope, 'source.peer', this.options.peer, NetworkPeer, example));
      checkPeerAllowsPort(scope, 'source.peer', this.options.peer, this.port, this.kind === BackupSourceKind.EVENT_STORE ? 'source.url' : 'source.port');
    }
    switch (this.kind) {
      case BackupSourceKind.POSTGRES: return this.postgresEnvironment(scope, this.options as PostgresSourceOptions, database);
      case BackupSourceKind.REDIS: return this.redisEnvironment(scope, this.options as RedisSourceOptions);
      default: return this.eventStoreEnvironment(scope, this.options as EventStoreExportOptions);
    }
  }

  private postgresEnvironment(scope: IConstruct, o: PostgresSourceOptions, database = o.database): JobEnvVar[] {
    checkDatabaseName(scope, 'source.database', o.database);
    checkPort(scope, 'source.port', this.port);
    const sslMode = checkOneOf(scope, 'source.sslMode', o.sslMode ?? 'require', SSL_MODES, SSL_MODES.join(', '));
    const tables = checkArray<string>(scope, 'source.verifyTables', this.verifyTables, '["fintech.users"]');
    if (tables.length === 0) throw invalidProp(scope, 'source.verifyTables', tables, 'must name at least one schema.table for the restore verification');
    tables.forEach((table, i) => {
      if (typeof table !== 'string' || !QUALIFIED_TABLE.test(table)) {
        throw invalidProp(scope, `source.verifyTables[${i}]`, table, 'must be schema.table in lowercase letters, digits and "_", e.g. "fintech.users"');
      }
    });
    return [
      hostOrSecret(scope, 'source.host', 'PGHOST', o.host),
      { name: 'PGPORT', value: String(this.port) },
      valueOrSecret(scope, 'source.user', 'PGUSER', o.user, "e.g. 'backup' or SecretKeyRef.of('postgres-credentials', 'user')"),
      requiredSecret(scope, 'source.password', 'PGPASSWORD', o.password, "the database password, e.g. SecretKeyRef.of('postgres-credentials', 'password')"),
      { name: 'PGDATABASE', value: database },
      { name: 'PGSSLMODE', value: sslMode },
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
    ];
  }

  private redisEnvironment(scope: IConstruct, o: RedisSourceOptions): JobEnvVar[] {
    checkPort(scope, 'source.port', this.port);
    const tls = o.tls === undefined ? false : checkBoolean(scope, 'source.tls', o.tls);
    return [
      hostOrSecret(scope, 'source.host', 'REDIS_HOST', o.host),
      { name: 'REDIS_PORT', value: String(this.port) },
      requiredSecret(scope, 'source.password', 'REDISCLI_AUTH', o.password, "the Redis password, e.g. SecretKeyRef.of('redis-credentials', 'password')"),
      { name: 'REDIS_TLS', value: String(tls) },
    ];
  }

  private eventStoreEnvironment(scope: IConstruct, o: EventStoreExportOptions): JobEnvVar[] {
    const url = checkUrl(scope, 'source.url', o.url, { schemes: ['http', 'https'], example: 'http://transaction-service:8004/events/export' });
    checkNotSecret(scope, 'source.url', url, "give the token as 'token' with SecretKeyRef.of(secretName, key)");
    if (this.port === 0) throw invalidProp(scope, 'source.url', url, 'must name a port from 1 to 65535, or none for 80 (http) or 443 (https)');
    return [
      { name: 'EVENTS_EXPORT_URL', value: url },
      ...(o.token !== undefined ? [requiredSecret(scope, 'source.token', 'EVENTS_EXPORT_TOKEN', o.token, 'a bearer token')] : []),
    ];
  }
}

/**
 * The port the Jobs connect to (`port`, from `portProp`) must be one the peer admits, or the
 * NetworkPolicy blocks every run: an address range or a namespace by the TCP ports it names, a
 * service of the app by the ports of its Service (a service named outside the app is not known).
 */
export function checkPeerAllowsPort(scope: IConstruct, peerProp: string, peer: NetworkPeer, port: number | undefined, portProp?: string): void {
  if (!port) return;
  const via = portProp === undefined ? 'HTTPS' : `'${portProp}'`;
  if (peer.kind === NetworkPeerKind.SERVICE) {
    const served = (peer.target as { servicePorts?: ReadonlyArray<{ port: number }> } | undefined)?.servicePorts?.map((p) => p.port);
    if (portProp !== undefined && served && served.length > 0 && !served.includes(port)) {
      throw invalidProp(scope, portProp, port, `connects to port ${port}, which the Service of '${peerProp}' (${peer.name}) does not serve (its ports: ${served.join(', ')}); `
        + 'connect to one of them, or the NetworkPolicy blocks every run');
    }
    return;
  }
  const allowed = peer.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.port);
  // A peer without ports is refused with the NetworkPolicy's own message.
  if (peer.ports.length > 0 && !allowed.includes(port)) {
    throw invalidProp(scope, `${peerProp}.ports`, peer.ports, `must allow TCP port ${port}, which the Jobs connect to (${via}), or the NetworkPolicy blocks every run`);
  }
}

/**
 * A factory's options object: an object, with only the options the factory knows, none of the
 * `optional` ones given as null.
 * @internal
 */
export function checkOptions(scope: IConstruct, prop: string, options: unknown, factory: string, known: readonly string[], optional: readonly string[]): void {
  checkKnownKeys(scope, prop, options, known, `${factory}({ ... })`);
  checkNoNullOptions(scope, prop, options, optional.filter((name) => known.includes(name)));
}

/** A PostgreSQL database name the scripts can use unquoted. */
export function checkDatabaseName(scope: IConstruct, prop: string, name: string): string {
  if (typeof name !== 'string' || !PG_IDENTIFIER.test(name) || name.length > 63) {
    throw invalidProp(scope, prop, name, 'must be a PostgreSQL database name: at most 63 lowercase letters, digits and "_", not starting with a digit');
  }
  return checkNotSecret(scope, prop, name, 'a database name is written into the manifests; give the name of the database');
}

/** A PostgreSQL role name the scripts can use unquoted. */
function checkRoleName(scope: IConstruct, prop: string, name: string): string {
  if (typeof name !== 'string' || !PG_IDENTIFIER.test(name) || name.length > 63) {
    throw invalidProp(scope, prop, name, 'must be a PostgreSQL role name: at most 63 lowercase letters, digits and "_", not starting with a digit');
  }
  return checkNotSecret(scope, prop, name, 'a role name is written into the manifests; give the name of the role');
}

/** A Secret reference that must be there: credentials are never accepted as values. */
export function requiredSecret(scope: IConstruct, prop: string, envName: string, ref: SecretKeyRef | undefined, what: string): JobEnvVar {
  return { name: envName, secret: checkSecretKeyRef(scope, prop, ref, what) };
}

/** Checks a Secret reference's name (a DNS subdomain) and key. */
export function checkSecretRef(scope: IConstruct, prop: string, ref: SecretKeyRef): SecretKeyRef {
  return checkSecretKeyRef(scope, prop, ref, 'the value');
}

function valueOrSecret(scope: IConstruct, prop: string, envName: string, value: string | SecretKeyRef | undefined, example: string): JobEnvVar {
  const checked = checkValueOrSecretKeyRef(scope, prop, value, example);
  if (checked instanceof SecretKeyRef) return { name: envName, secret: checked };
  return { name: envName, value: checkNotSecret(scope, prop, checked) };
}

function hostOrSecret(scope: IConstruct, prop: string, envName: string, host: string | SecretKeyRef | undefined): JobEnvVar {
  if (typeof host === 'string' && !HOST.test(host)) {
    throw invalidProp(scope, prop, host, 'must be a host name or an IP address, or a SecretKeyRef to a Secret that holds it');
  }
  return valueOrSecret(scope, prop, envName, host, "e.g. 'postgres.fintech.internal' or SecretKeyRef.of('postgres-credentials', 'host')");
}

/**
 * The port of an http(s) URL without user info; undefined when the URL is not one.
 * @internal
 */
export function urlPort(url: unknown): number | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) return undefined;
    return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  } catch {
    return undefined;
  }
}
