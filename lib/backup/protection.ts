import { Cron, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { SecretKeyRef } from '../secret-key-ref';
import { invalidProp } from '../shared/errors';
import { checkArray, checkInstance, checkKnownKeys, checkRequired, checkSecretKeyRef, checkString, checkUniqueItems } from '../shared/validation';
import { BackupDestination } from './destination';
import type { JobEnvVar } from './source';

/**
 * Client-side encryption of every backup with age (https://age-encryption.org), before upload.
 * The backup Job holds only the recipients (public keys); the identity (private key) reaches only
 * the restore and verification Jobs, as a file from a Secret.
 */
export interface BackupEncryptionOptions {
  /**
   * The age recipients every archive is encrypted to: X25519 public keys (`age1...`, as printed by
   * `age-keygen`). Public keys are not secrets; each recipient's identity can decrypt. Give a
   * second recipient for a key kept offline, so that losing the cluster's identity loses no backup.
   */
  readonly recipients: string[];
  /**
   * The Secret key holding the age identity (`AGE-SECRET-KEY-1...`) of one of the recipients,
   * mounted read-only (mode 0400) into the restore and verification Jobs only, never into the
   * backup or pruning Jobs and never as an environment variable.
   */
  readonly identity: SecretKeyRef;
}

/**
 * One credential per Job, so that the Job that writes backups can neither read nor delete them.
 * Each is the same store as `destination` (same backend type and path) with another credential.
 */
export interface BackupAccessOptions {
  /**
   * The store as the pruning CronJob "<name>-prune" reaches it: a credential that may list and
   * delete objects (and read their metadata) but not write. It never holds the age identity, so it
   * cannot read a backup's contents.
   */
  readonly pruner: BackupDestination;
  /** The store as the restore and verification Jobs reach it: a credential that may list and read objects only. */
  readonly reader: BackupDestination;
  /** When the pruning CronJob runs (in `timeZone`). @default Cron.schedule({ minute: '0', hour: '5' }) (daily at 05:00) */
  readonly pruneSchedule?: Cron;
}

/**
 * An age X25519 recipient: "age1" and 58 characters of the Bech32 alphabet (the encoding of a
 * 32-byte key and its checksum), lowercase.
 */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const ENCRYPTION_EXAMPLE = "{ recipients: ['age1...'], identity: SecretKeyRef.of('backup-age-identity', 'identity') }";

/** The encryption options, checked: recipients (unique age public keys) and the identity's Secret reference. */
export function checkEncryption(scope: IConstruct, encryption: BackupEncryptionOptions | false | undefined): BackupEncryptionOptions | undefined {
  const given = checkRequired(scope, 'encryption', encryption,
    `age recipients and the identity's Secret reference, or false to store backups unencrypted`, ENCRYPTION_EXAMPLE);
  if (given === false) return undefined;
  checkKnownKeys(scope, 'encryption', given, ['recipients', 'identity'], ENCRYPTION_EXAMPLE);
  const recipients = checkArray<string>(scope, 'encryption.recipients', given.recipients, "['age1...']");
  if (recipients.length === 0) {
    throw invalidProp(scope, 'encryption.recipients', recipients, 'must name at least one age recipient (a public key "age1...", from age-keygen)');
  }
  recipients.forEach((recipient, i) => {
    const value = checkString(scope, `encryption.recipients[${i}]`, recipient, { example: '"age1..."' });
    if (value.startsWith('AGE-SECRET-KEY-')) {
      // Never echo a private key in an error message.
      throw invalidProp(scope, `encryption.recipients[${i}]`, '<an age identity>',
        "is a private key: give its public key (age-keygen -y), and the identity as 'identity', a Secret reference");
    }
    if (!AGE_RECIPIENT.test(value)) {
      throw invalidProp(scope, `encryption.recipients[${i}]`, value, 'must be an age X25519 recipient: "age1" and 58 lowercase Bech32 characters, as printed by age-keygen');
    }
  });
  checkUniqueItems(scope, 'encryption.recipients', recipients);
  const identity = checkSecretKeyRef(scope, 'encryption.identity', given.identity, 'the age identity (private key)');
  return { recipients: [...recipients], identity };
}

/** The access options, checked: both destinations are the store of `destination` with another credential. */
export function checkAccess(scope: IConstruct, access: BackupAccessOptions | undefined, destination: BackupDestination): BackupAccessOptions | undefined {
  if (access === undefined) return undefined;
  const example = '{ pruner: BackupDestination.s3({ ... }), reader: BackupDestination.s3({ ... }) }';
  checkKnownKeys(scope, 'access', access, ['pruner', 'reader', 'pruneSchedule'], example);
  for (const prop of ['pruner', 'reader'] as const) {
    const other = checkInstance(scope, `access.${prop}`, access[prop], BackupDestination, 'BackupDestination.s3({ ... }) with its own credentials');
    if (other.type !== destination.type || other.path !== destination.path) {
      throw invalidProp(scope, `access.${prop}`, `${other.type}:${other.path}`,
        `must be the store of 'destination' (${destination.type}:${destination.path}) with another credential`);
    }
    if (other === destination) {
      throw invalidProp(scope, `access.${prop}`, `${other.type}:${other.path}`,
        "must carry its own credential: the object given as 'destination' is the writer's");
    }
  }
  return access;
}

/**
 * A reader's or pruner's rclone environment must use other Secret keys than the writer's: with
 * the writer's credential, the separation of access (a compromised backup Job cannot delete or
 * read old backups) would exist only on paper.
 */
export function checkOwnCredential(
  scope: IConstruct, prop: string, env: readonly JobEnvVar[], writerEnv: readonly JobEnvVar[],
  other = 'destination', risk = "with the writer's, the backup Job could still delete and read old backups",
): void {
  const refs = (list: readonly JobEnvVar[]) => list.filter((v) => v.secret).map((v) => `${v.secret!.secretName}/${v.secret!.key}`).sort().join(' ');
  const own = refs(env);
  const writer = refs(writerEnv);
  // A store without credentials (rclone's local backend on a volume) has nothing to separate.
  if (writer !== '' && own === writer) {
    throw invalidProp(scope, prop, own, `must carry its own credential (other Secret keys than '${other}'): ${risk}`);
  }
}

/** The retention lock, checked: whole days, at least 1, no longer than the retention. */
export function checkRetentionLock(scope: IConstruct, lock: Duration | undefined, retentionDays: number): number {
  if (lock === undefined) return 0;
  checkInstance(scope, 'retentionLock', lock, Duration, 'Duration.days(30)');
  const seconds = lock.toSeconds({ integral: false });
  if (!(seconds >= 86400) || seconds % 86400 !== 0) {
    throw invalidProp(scope, 'retentionLock', lock.toHumanString(), 'must be a whole number of days, at least 1, e.g. Duration.days(30)');
  }
  const days = seconds / 86400;
  if (days > retentionDays) {
    throw invalidProp(scope, 'retentionLock', lock.toHumanString(),
      `must not exceed 'retention' (${retentionDays} days): the pruning would try to delete objects the store still locks`);
  }
  return days;
}
