import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  ExternalSecret, ExternalSecretSpecRefreshPolicy, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy,
} from '../imports/externalsecrets-external-secrets.io';
import { SecretKeyRef } from './secret-key-ref';
import { DEFAULT_NAMESPACE } from './shared/defaults';
import { goDuration } from './shared/duration';
import { constructLabel, invalidProp } from './shared/errors';
import { VERSION_LABEL } from './shared/labels';
import { CheckedExternalSecretSource, checkExternalSecretSource, checkSecretKeyRef } from './shared/validation';

/**
 * Secrets synchronised from a store by the External Secrets Operator, and the rolling of pods when
 * one changes.
 *
 * The construct whose pods read a Secret owns its ExternalSecret: one per Secret, named after it,
 * with every key the construct reads, `creationPolicy: Owner` (the Secret is the ExternalSecret's,
 * and goes with it). A rotation in the store reaches the Secret within the refresh interval; a
 * Deployment's running pods keep the value they started with, so the Deployment carries
 * Stakater Reloader's `secret.reloader.stakater.com/reload` annotation naming those Secrets, and
 * Reloader rolls it when one of them changes. A hash of the ExternalSecret's spec on the pod
 * template would roll the pods only when git changes, never on a rotation in the store.
 */

/** Stakater Reloader rolls a workload carrying this annotation when one of the Secrets it names (comma-separated) changes. */
export const RELOAD_SECRETS_ANNOTATION = 'secret.reloader.stakater.com/reload';

/** A SecretKeyRef as a construct's prop reads it: `secretEnv.DB_PASSWORD`, `source.password`. */
export interface SecretUse {
  readonly prop: string;
  readonly ref: SecretKeyRef;
}

interface ExternalKey {
  readonly prop: string;
  readonly key: string;
  readonly source: CheckedExternalSecretSource;
}

/**
 * One ExternalSecret (id `ExternalSecret-<secret name>`) per Secret that `uses` read from a store,
 * sorted by the Secret's name and labelled with `labels` but the version. Every key of one Secret
 * must come from the same store with the same refresh interval, a key must not be read from two
 * remote places, and a Secret is either synchronised from a store or created outside git, not
 * both. Another ExternalSecret of the same name in the same namespace anywhere in the app is an
 * error at synth time.
 */
export function createExternalSecrets(scope: Construct, uses: readonly SecretUse[], labels: Record<string, string>): ExternalSecret[] {
  const bySecret = new Map<string, ExternalKey[]>();
  const plain = new Map<string, string>();
  for (const { prop, ref } of uses) {
    if (!(ref instanceof SecretKeyRef)) continue;
    if (ref.externalSource === undefined) {
      if (!plain.has(ref.secretName)) plain.set(ref.secretName, prop);
      continue;
    }
    checkSecretKeyRef(scope, prop, ref, 'the value');
    const source = checkExternalSecretSource(scope, prop, ref.externalSource);
    const keys = bySecret.get(ref.secretName) ?? [];
    if (keys.length > 0) checkSameSecret(scope, keys[0], { prop, key: ref.key, source }, ref.secretName);
    keys.push({ prop, key: ref.key, source });
    bySecret.set(ref.secretName, keys);
  }
  for (const [secretName, keys] of bySecret) {
    const plainProp = plain.get(secretName);
    if (plainProp !== undefined) {
      throw invalidProp(scope, plainProp, secretName, `reads the Secret that '${keys[0].prop}' has the External Secrets Operator write`
        + ' from a store; every key of one Secret must come from the same place: use SecretKeyRef.fromExternalSecret here too');
    }
  }
  // The Secret does not change with a release of the workload's image: no version label, so a promotion leaves it alone.
  const { [VERSION_LABEL]: _version, ...stableLabels } = labels;
  return [...bySecret.keys()].sort().map((secretName) => createExternalSecret(scope, secretName, bySecret.get(secretName)!, stableLabels));
}

/** Reloader's annotation naming `secretNames` (sorted), or none when there are none. */
export function reloadAnnotations(secretNames: readonly string[]): Record<string, string> {
  const names = [...new Set(secretNames)].sort();
  return names.length ? { [RELOAD_SECRETS_ANNOTATION]: names.join(',') } : {};
}

function checkSameSecret(scope: IConstruct, first: ExternalKey, next: ExternalKey, secretName: string): void {
  const store = (s: CheckedExternalSecretSource) => `${s.storeKind} "${s.storeName}"`;
  const why = `every key of the Secret "${secretName}" is written by one ExternalSecret`;
  if (store(first.source) !== store(next.source)) {
    throw invalidProp(scope, `${next.prop}.store`, store(next.source), `must be the store of '${first.prop}' (${store(first.source)}): ${why}`);
  }
  if (first.source.refreshSeconds !== next.source.refreshSeconds) {
    throw invalidProp(scope, `${next.prop}.refreshInterval`, refresh(next.source.refreshSeconds),
      `must be the refresh interval of '${first.prop}' (${refresh(first.source.refreshSeconds)}): ${why}`);
  }
}

function createExternalSecret(scope: Construct, secretName: string, keys: readonly ExternalKey[], labels: Record<string, string>): ExternalSecret {
  const data = new Map<string, ExternalKey>();
  for (const entry of keys) {
    const seen = data.get(entry.key);
    if (seen && (seen.source.remoteKey !== entry.source.remoteKey || seen.source.property !== entry.source.property)) {
      throw invalidProp(scope, `${entry.prop}.remoteKey`, entry.source.remoteKey,
        `must match '${seen.prop}', which reads the same key "${entry.key}" of the Secret "${secretName}" from ${remoteName(seen.source)}`);
    }
    if (!seen) data.set(entry.key, entry);
  }
  const { source } = keys[0];
  const externalSecret = new ExternalSecret(scope, `ExternalSecret-${secretName}`, {
    metadata: { name: secretName, labels },
    spec: {
      secretStoreRef: {
        kind: source.storeKind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
        name: source.storeName,
      },
      refreshPolicy: ExternalSecretSpecRefreshPolicy.PERIODIC,
      refreshInterval: refresh(source.refreshSeconds),
      target: { name: secretName, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER },
      data: [...data.keys()].sort().map((key) => ({
        secretKey: key,
        remoteRef: { key: data.get(key)!.source.remoteKey, property: data.get(key)!.source.property },
      })),
    },
  });
  scope.node.addValidation({ validate: () => duplicateExternalSecret(externalSecret, keys[0].prop) });
  return externalSecret;
}

function refresh(seconds: number): string {
  return goDuration(Duration.seconds(seconds));
}

function remoteName(source: CheckedExternalSecretSource): string {
  return source.property === undefined ? `"${source.remoteKey}"` : `"${source.remoteKey}" property "${source.property}"`;
}

/** Two constructs writing one Secret would fight over it: the second ExternalSecret of a name in a namespace is refused. */
function duplicateExternalSecret(externalSecret: ExternalSecret, prop: string): string[] {
  const namespace = (o: ApiObject) => Chart.of(o).namespace ?? DEFAULT_NAMESPACE;
  // `instanceof` does not tell generated ApiObject classes apart: compare the kind.
  const first = externalSecret.node.root.node.findAll().find((c): c is ApiObject => c instanceof ApiObject
    && c.apiVersion === ExternalSecret.GVK.apiVersion && c.kind === ExternalSecret.GVK.kind
    && c.name === externalSecret.name && namespace(c) === namespace(externalSecret));
  if (!first || first === externalSecret) return [];
  const owner = externalSecret.node.scope!;
  return [invalidProp(owner, `${prop}.secretName`, externalSecret.name, `names a Secret that ${constructLabel(first.node.scope!)} already writes with its`
    + ` ExternalSecret in namespace '${namespace(externalSecret)}'; one construct owns a Secret: let the other read it with SecretKeyRef.of("${externalSecret.name}", key)`).message];
}
