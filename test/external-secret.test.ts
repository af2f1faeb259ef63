import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  BackupCronJob, BackupDestination, BackupSource, CanaryPhase, CanaryRollout, ExternalSecretKeyOptions, FintechService, SecretKeyRef, SecretStoreRef,
} from '../lib';
import { RELOAD_SECRETS_ANNOTATION } from '../lib/external-secret';
import { IMAGE, NAMESPACE, newChart, only, paymentsService, synth } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

const PATH = "FintechService 'prod/payments'";
const VAULT = SecretStoreRef.cluster('vault-backend');

/** A key of the Secret `payments-db`, synchronised from the remote key `fintech/prod/payments-db`. */
function vaultKey(key: string, overrides: Partial<ExternalSecretKeyOptions> = {}): SecretKeyRef {
  return SecretKeyRef.fromExternalSecret({
    secretName: 'payments-db', key, store: VAULT, remoteKey: 'fintech/prod/payments-db', property: key, ...overrides,
  });
}

const externalSecretsOf = (objects: any[]) => objects.filter((o) => o.kind === 'ExternalSecret');

describe('FintechService with Secrets from an ExternalSecret', () => {
  // GIVEN three variables from one vault-backed Secret, one from another, and one from a Secret created outside git
  const chart = newChart();
  const service = paymentsService({
    secretEnv: {
      DB_HOST: vaultKey('host'),
      DB_USER: vaultKey('username'),
      DB_PASSWORD: vaultKey('password'),
      JWT_SECRET: SecretKeyRef.fromExternalSecret({
        secretName: 'payments-jwt', key: 'signing-key', store: SecretStoreRef.namespaced('team-vault'), remoteKey: 'fintech/prod/jwt',
        refreshInterval: Duration.minutes(15),
      }),
      LEGACY_TOKEN: SecretKeyRef.of('payments-legacy', 'token'),
    },
  }, chart);
  // WHEN it is synthesized
  const objects = synth(chart);
  const deployment = only(objects, 'Deployment');

  test('creates one ExternalSecret per vault-backed Secret, named after it, with every key it reads', () => {
    expect(externalSecretsOf(objects).map((o) => o.metadata.name)).toEqual(['payments-db', 'payments-jwt']);
    expect(service.externalSecrets.map((e) => e.name)).toEqual(['payments-db', 'payments-jwt']);
    expect(only(objects, 'ExternalSecret', 'payments-db')).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: expect.objectContaining({ name: 'payments-db', namespace: NAMESPACE }),
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-backend' },
        refreshPolicy: 'Periodic',
        refreshInterval: '1h',
        target: { name: 'payments-db', creationPolicy: 'Owner' },
        data: [
          { secretKey: 'host', remoteRef: { key: 'fintech/prod/payments-db', property: 'host' } },
          { secretKey: 'password', remoteRef: { key: 'fintech/prod/payments-db', property: 'password' } },
          { secretKey: 'username', remoteRef: { key: 'fintech/prod/payments-db', property: 'username' } },
        ],
      },
    });
    expect(only(objects, 'ExternalSecret', 'payments-db').metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'payments' });
    expect(only(objects, 'ExternalSecret', 'payments-db').metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    expect(only(objects, 'ExternalSecret', 'payments-jwt').spec).toMatchObject({
      secretStoreRef: { kind: 'SecretStore', name: 'team-vault' },
      refreshInterval: '15m',
      data: [{ secretKey: 'signing-key', remoteRef: { key: 'fintech/prod/jwt' } }],
    });
  });

  test('every object is valid against the Kubernetes and External Secrets Operator schemas', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('the schema check of an ExternalSecret can fail: a field the CRD does not have, or a kind it does not allow', () => {
    const externalSecret = only(objects, 'ExternalSecret', 'payments-db');
    expect(validateManifest({ ...externalSecret, spec: { ...externalSecret.spec, refreshEvery: '1h' } })).not.toEqual([]);
    expect(validateManifest({ ...externalSecret, spec: { ...externalSecret.spec, secretStoreRef: { kind: 'Vault', name: 'x' } } })).not.toEqual([]);
    expect(validateManifest({ ...externalSecret, apiVersion: 'external-secrets.io/v1beta1' })[0]).toContain('no schema');
  });

  test('the pods read the keys from the Secrets the ExternalSecrets write', () => {
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'DB_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'payments-db', key: 'password' } });
    expect(env.find((e: any) => e.name === 'JWT_SECRET').valueFrom).toEqual({ secretKeyRef: { name: 'payments-jwt', key: 'signing-key' } });
  });

  test('the Deployment asks Reloader to roll it when exactly the vault-backed Secrets change', () => {
    expect(deployment.metadata.annotations[RELOAD_SECRETS_ANNOTATION]).toBe('payments-db,payments-jwt');
    expect(service.secretReloadAnnotations).toEqual({ [RELOAD_SECRETS_ANNOTATION]: 'payments-db,payments-jwt' });
    expect(deployment.spec.template.metadata.annotations[RELOAD_SECRETS_ANNOTATION]).toBeUndefined();
  });

  test('the Role still grants read on exactly the Secrets the service uses', () => {
    const secretRules = only(objects, 'Role').rules.filter((r: any) => r.resources.includes('secrets'));
    expect(secretRules).toEqual([{
      apiGroups: [''], resources: ['secrets'], resourceNames: ['payments-db', 'payments-jwt', 'payments-legacy'], verbs: ['get', 'list', 'watch'],
    }]);
  });

  test('the canary Deployment of the same pods carries the reload annotation too', () => {
    const canaryChart = newChart();
    new CanaryRollout(canaryChart, 'payments', {
      stableImage: IMAGE, canaryImage: `${IMAGE.split(':')[0]}:1.5.0`, port: 8080, replicas: 4, phase: CanaryPhase.percent(30),
      secretEnv: { DB_PASSWORD: vaultKey('password') },
    });
    const canaryObjects = synth(canaryChart);
    expect(only(canaryObjects, 'Deployment', 'payments-canary').metadata.annotations[RELOAD_SECRETS_ANNOTATION]).toBe('payments-db');
    expect(only(canaryObjects, 'Deployment', 'payments').metadata.annotations[RELOAD_SECRETS_ANNOTATION]).toBe('payments-db');
    expect(externalSecretsOf(canaryObjects)).toHaveLength(1);
  });

  test('a service with only Secrets created outside git has no ExternalSecret and no reload annotation', () => {
    const plainChart = newChart();
    paymentsService({ secretEnv: { DB_PASSWORD: SecretKeyRef.of('payments-db', 'password') } }, plainChart);
    const plain = synth(plainChart);
    expect(externalSecretsOf(plain)).toEqual([]);
    expect(only(plain, 'Deployment').metadata.annotations?.[RELOAD_SECRETS_ANNOTATION]).toBeUndefined();
  });
});

describe('SecretKeyRef.fromExternalSecret validation', () => {
  const rejects = (secretEnv: Record<string, SecretKeyRef>, message: string) => expect(() => paymentsService({ secretEnv })).toThrow(message);

  test.each<[string, Partial<ExternalSecretKeyOptions>, string]>([
    ['a store name that is not a DNS subdomain', { store: SecretStoreRef.cluster('Vault_Backend') },
      `${PATH}: 'secretEnv.DB_PASSWORD.store.name' ("Vault_Backend") is invalid: must be a DNS-1123 subdomain: at most 253 characters in`
      + ' dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)'],
    ['an empty remote key', { remoteKey: '' },
      `${PATH}: 'secretEnv.DB_PASSWORD.remoteKey' ("") is invalid: must not be empty, e.g. "fintech/production/finance-db"`],
    ['a remote key with a space', { remoteKey: 'fintech/prod db' },
      `${PATH}: 'secretEnv.DB_PASSWORD.remoteKey' ("fintech/prod db") is invalid: must not contain whitespace or control characters,`
      + ' e.g. "fintech/production/finance-db"'],
    ['a secret value given as the remote key', { remoteKey: 'postgres://app:S3cr3tPassw0rd@db.internal/fintech' },
      `${PATH}: 'secretEnv.DB_PASSWORD.remoteKey' (a string of 49 characters) is invalid: looks like a credential (a URL with a password),`
      + ' and secret values never go into manifests: it names where the secret is in the store, never the secret itself'],
    ['an empty property', { property: '' },
      `${PATH}: 'secretEnv.DB_PASSWORD.property' ("") is invalid: must not be empty, e.g. "password"`],
    ['a refresh interval under a minute', { refreshInterval: Duration.seconds(30) },
      `${PATH}: 'secretEnv.DB_PASSWORD.refreshInterval' ("30s") is invalid: must be from 1m to 1d`],
    ['a refresh interval over a day', { refreshInterval: Duration.days(2) },
      `${PATH}: 'secretEnv.DB_PASSWORD.refreshInterval' ("2d") is invalid: must be from 1m to 1d`],
    ['a fractional refresh interval', { refreshInterval: Duration.millis(90500) },
      `${PATH}: 'secretEnv.DB_PASSWORD.refreshInterval' ("90500ms") is invalid: must be a Duration of a whole, positive number of seconds,`
      + ' e.g. Duration.hours(1)'],
  ])('rejects %s', (_, overrides, message) => {
    rejects({ DB_PASSWORD: vaultKey('password', overrides) }, message);
  });

  test('rejects, for JavaScript callers, a store given as a string, a refresh interval as a string and an unknown option', () => {
    rejects({ DB_PASSWORD: vaultKey('password', { store: 'vault-backend' as any }) },
      `${PATH}: 'secretEnv.DB_PASSWORD.store' ("vault-backend") is invalid: must be a SecretStoreRef, not a string, e.g. SecretStoreRef.cluster('vault-backend')`);
    rejects({ DB_PASSWORD: vaultKey('password', { refreshInterval: '1h' as any }) },
      `${PATH}: 'secretEnv.DB_PASSWORD.refreshInterval' ("1h") is invalid: must be a Duration, not a string, e.g. Duration.hours(1)`);
    rejects({ DB_PASSWORD: vaultKey('password', { version: 'latest' } as any) },
      `${PATH}: 'secretEnv.DB_PASSWORD.version' (a string of 6 characters) is invalid: is not a known option; the options are store, remoteKey, property, refreshInterval`);
  });

  test('rejects a Secret key that an ExternalSecret cannot write', () => {
    rejects({ DB_PASSWORD: vaultKey('pass word') },
      `${PATH}: 'secretEnv.DB_PASSWORD.key' ("pass word") is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`);
  });

  test('rejects keys of one Secret from two stores', () => {
    rejects({ DB_HOST: vaultKey('host'), DB_PASSWORD: vaultKey('password', { store: SecretStoreRef.cluster('other-vault') }) },
      `${PATH}: 'secretEnv.DB_PASSWORD.store' ("ClusterSecretStore \\"other-vault\\"") is invalid: must be the store of 'secretEnv.DB_HOST'`
      + ' (ClusterSecretStore "vault-backend"): every key of the Secret "payments-db" is written by one ExternalSecret');
  });

  test('rejects keys of one Secret with two refresh intervals', () => {
    rejects({ DB_HOST: vaultKey('host'), DB_PASSWORD: vaultKey('password', { refreshInterval: Duration.minutes(5) }) },
      `${PATH}: 'secretEnv.DB_PASSWORD.refreshInterval' ("5m") is invalid: must be the refresh interval of 'secretEnv.DB_HOST' (1h):`
      + ' every key of the Secret "payments-db" is written by one ExternalSecret');
  });

  test('rejects one key of a Secret read from two remote places, and accepts it read twice from the same one', () => {
    rejects({ DB_PASSWORD: vaultKey('password'), PGPASSWORD: vaultKey('password', { property: 'pw' }) },
      `${PATH}: 'secretEnv.PGPASSWORD.remoteKey' ("fintech/prod/payments-db") is invalid: must match 'secretEnv.DB_PASSWORD', which reads`
      + ' the same key "password" of the Secret "payments-db" from "fintech/prod/payments-db" property "password"');
    const chart = newChart();
    paymentsService({ secretEnv: { DB_PASSWORD: vaultKey('password'), PGPASSWORD: vaultKey('password') } }, chart);
    expect(only(synth(chart), 'ExternalSecret').spec.data).toHaveLength(1);
  });

  test('rejects a Secret read both as a plain Secret and from an ExternalSecret', () => {
    rejects({ DB_HOST: SecretKeyRef.of('payments-db', 'host'), DB_PASSWORD: vaultKey('password') },
      `${PATH}: 'secretEnv.DB_HOST' ("payments-db") is invalid: reads the Secret that 'secretEnv.DB_PASSWORD' has the External Secrets`
      + ' Operator write from a store; every key of one Secret must come from the same place: use SecretKeyRef.fromExternalSecret here too');
  });

  test('rejects, at synth time, two constructs that create an ExternalSecret for the same Secret in one namespace', () => {
    const chart = newChart();
    paymentsService({ secretEnv: { DB_PASSWORD: vaultKey('password') } }, chart);
    const other = new Chart(chart.node.root as App, 'other', { namespace: NAMESPACE });
    new FintechService(other, 'ledger', { image: IMAGE, port: 8080, secretEnv: { DB_PASSWORD: vaultKey('password') } });
    expect(() => Testing.synth(other)).toThrow("FintechService 'other/ledger': 'secretEnv.DB_PASSWORD.secretName' (\"payments-db\") is invalid: names a Secret"
      + " that FintechService 'prod/payments' already writes with its ExternalSecret in namespace 'fintech-test'; one construct owns a Secret:"
      + ' let the other read it with SecretKeyRef.of("payments-db", key)');
  });

  test('accepts an ExternalSecret of the same name in another namespace: it writes another Secret', () => {
    const chart = newChart();
    paymentsService({ secretEnv: { DB_PASSWORD: vaultKey('password') } }, chart);
    const other = new Chart(chart.node.root as App, 'other', { namespace: 'fintech-other' });
    new FintechService(other, 'payments', { image: IMAGE, port: 8080, secretEnv: { DB_PASSWORD: vaultKey('password') } });
    expect(() => Testing.synth(other)).not.toThrow();
  });
});

describe('BackupCronJob with the database credentials from an ExternalSecret', () => {
  // GIVEN a PostgreSQL backup whose three credentials come from one vault-backed Secret, read by all three Jobs
  const chart = newChart();
  const dbKey = (key: string) => SecretKeyRef.fromExternalSecret({
    secretName: 'ledger-db-backup', key, store: VAULT, remoteKey: 'fintech/prod/ledger-db-backup', property: key,
  });
  const backup = new BackupCronJob(chart, 'ledger-db-backup', {
    image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
    encryption: false,
    source: BackupSource.postgres({ database: 'ledger', host: dbKey('host'), user: dbKey('user'), password: dbKey('password') }),
    destination: BackupDestination.azureBlob({
      container: 'fintech-backups', account: SecretKeyRef.of('backup-object-store', 'account'), key: SecretKeyRef.of('backup-object-store', 'key'),
    }),
  });
  const objects = synth(chart);

  test('creates one ExternalSecret for the Secret, whatever the number of Jobs and variables that read it', () => {
    expect(externalSecretsOf(objects).map((o) => o.metadata.name)).toEqual(['ledger-db-backup']);
    expect(backup.externalSecrets).toHaveLength(1);
    expect(only(objects, 'ExternalSecret').spec.data.map((d: any) => d.secretKey)).toEqual(['host', 'password', 'user']);
    expect(objects.filter((o) => o.kind === 'CronJob')).toHaveLength(3);
  });

  test('every object is schema-valid; the Jobs need no reload annotation (each run starts a new pod)', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
    for (const cronJob of objects.filter((o) => o.kind === 'CronJob')) {
      expect(cronJob.metadata.annotations?.[RELOAD_SECRETS_ANNOTATION]).toBeUndefined();
    }
  });

  test('names the source prop in an error about the remote key', () => {
    expect(() => new BackupCronJob(newChart(), 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
      encryption: false,
      source: BackupSource.postgres({ database: 'ledger', host: 'db.internal', user: 'backup', password: dbKey('password') }),
      destination: BackupDestination.azureBlob({ container: 'fintech-backups', account: 'fintechbackups', key: dbKey('key') }),
    })).not.toThrow();
    const badKey = SecretKeyRef.fromExternalSecret({ secretName: 'ledger-db-backup', key: 'password', store: VAULT, remoteKey: ' ' });
    expect(() => new BackupCronJob(newChart(), 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
      encryption: false,
      source: BackupSource.postgres({ database: 'ledger', host: 'db.internal', user: 'backup', password: badKey }),
      destination: BackupDestination.azureBlob({ container: 'fintech-backups', account: 'fintechbackups', key: SecretKeyRef.of('backup-object-store', 'key') }),
    })).toThrow("BackupCronJob 'prod/ledger-db-backup': 'source.password.remoteKey' (\" \") is invalid: must not contain whitespace or control characters,"
      + ' e.g. "fintech/production/finance-db"');
  });
});

describe('the reference platform in dist/', () => {
  const DIST = path.join(__dirname, '..', 'dist');
  const objectsIn = (env: string) => fs.readdirSync(path.join(DIST, env), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(DIST, env, f), 'utf8')).map((d) => d.toJSON()))
    .filter((o) => o);
  const production = objectsIn('production');
  const staging = objectsIn('staging');

  test('production takes finance-service\'s and the database backup\'s Secrets from ExternalSecrets on the vault-backend ClusterSecretStore', () => {
    const externalSecrets = externalSecretsOf(production);
    expect(externalSecrets.map((o) => o.metadata.name).sort()).toEqual(['finance-db-production', 'finance-secrets-production', 'platform-db-backup']);
    for (const externalSecret of externalSecrets) {
      expect(externalSecret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault-backend' });
      expect(externalSecret.spec.target).toEqual({ name: externalSecret.metadata.name, creationPolicy: 'Owner' });
    }
  });

  test('production\'s ExternalSecrets are valid against the External Secrets Operator CRD', () => {
    expect(externalSecretsOf(production).flatMap(validateManifest)).toEqual([]);
  });

  test('every key finance-service reads from a Secret is written by its ExternalSecret, and the reload annotation lists exactly those Secrets', () => {
    const deployment = production.find((o) => o.kind === 'Deployment' && o.metadata.name === 'finance-service');
    const refs = deployment.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef);
    const written = new Set(externalSecretsOf(production).flatMap((o) => o.spec.data.map((d: any) => `${o.spec.target.name}/${d.secretKey}`)));
    expect(refs.filter((r: any) => !written.has(`${r.name}/${r.key}`))).toEqual([]);
    const used = [...new Set(refs.map((r: any) => r.name))].sort();
    expect(deployment.metadata.annotations[RELOAD_SECRETS_ANNOTATION].split(',')).toEqual(used);
    const role = production.find((o) => o.kind === 'Role' && o.metadata.name === 'finance-service');
    expect(role.rules.find((r: any) => r.resources.includes('secrets')).resourceNames).toEqual(used);
  });

  test('staging stays on Secrets created outside git: no ExternalSecret and no reload annotation', () => {
    expect(externalSecretsOf(staging)).toEqual([]);
    expect(staging.filter((o) => o.metadata.annotations?.[RELOAD_SECRETS_ANNOTATION])).toEqual([]);
  });
});
