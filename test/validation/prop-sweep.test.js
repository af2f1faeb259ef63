// Plain JavaScript, as a caller without type checking writes it: every prop of every public
// construct and every argument of every public factory, function and method, read from the
// package's TypeScript declarations (test/support/public-api.js), is given in turn each wrong
// value that does not fit its declared type. Each must fail with a plain Error that starts with
// the construct's label (or the function's name), names the prop by its full path and never
// prints a planted secret. A prop added later is swept without being listed here; a prop, type or
// function the sweep cannot handle fails the test.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Chart, Cron, Duration, Size } = require('cdk8s');
const { Cpu } = require('cdk8s-plus-28');
const lib = require('../../lib');
const tools = require('../../lib/tools');
const { readPublicApi } = require('../support/public-api');

const { FintechService } = lib;
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const SECRET_URL = 'postgres://app:S3cr3tPassw0rd@db:5432/ledger';
const TOKEN = `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`;
const SECRET_PARTS = [SECRET_URL, 'S3cr3tPassw0rd', TOKEN, TOKEN.slice(4)];

// ---------------------------------------------------------------------------------------------
// Baselines: one valid input per construct (and variants for the branches one input cannot take
// at once), with factory calls kept as calls so one argument can be replaced.

class Call {
  constructor(factory, args) { this.factory = factory; this.args = args; }
}
/** A plain object with the fields of the instance `node` makes, made when the case is built. */
class LookAlike {
  constructor(node) { this.node = node; }
}
/** A baseline that sweeps only the props at `only` (the branch it exists for). */
class Variant {
  constructor(props, only) { this.props = props; this.only = only; }
}
/** `call('Notifier.slack', { ... })`: the factory call, made when the case is built. */
const call = (factory, ...args) => new Call(factory, args);
/** A construct the input needs (a FintechService to point a peer at), made in the case's Chart. */
class Made {
  constructor(make) { this.make = make; }
}
const ref = (name, key) => call('SecretKeyRef.of', name, key);
const ledger = new Made((chart) => new FintechService(chart, 'ledger', { image: IMAGE, port: 8080 }));

const RESOURCES = {
  cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
  ephemeralStorage: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
};
const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64), persistentVolumeClaims: 4 };
const CONTAINER_LIMITS = {
  defaultCpuRequest: Cpu.millis(100), defaultMemoryRequest: Size.mebibytes(128), defaultCpuLimit: Cpu.millis(500),
  defaultMemoryLimit: Size.mebibytes(512), maxCpu: Cpu.units(4), maxMemory: Size.gibibytes(8),
};
const WORKLOAD = {
  name: 'payments', servicePort: 80,
  extraPorts: [{ name: 'grpc', containerPort: 9090, servicePort: 9090 }],
  rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
  disruptionBudget: { maxUnavailable: 1 },
  resources: RESOURCES,
  livenessProbe: { path: '/healthz', initialDelay: Duration.seconds(5), period: Duration.seconds(10), timeout: Duration.seconds(2), failureThreshold: 3 },
  readinessProbe: { path: '/ready', initialDelay: Duration.seconds(5), period: Duration.seconds(10), timeout: Duration.seconds(2), failureThreshold: 3 },
  startupProbe: { path: '/healthz', period: Duration.seconds(5), window: Duration.minutes(2) },
  terminationGracePeriod: Duration.seconds(30),
  runAs: { user: 10001, group: 10001 },
  env: { LOG_LEVEL: 'info' },
  config: { FEATURE_FLAGS: 'ledger-v2' },
  secretEnv: { DB_PASSWORD: ref('payments-db', 'password') },
  ingressFrom: [call('NetworkPeer.namespace', 'fintech-gateway', [{ port: 8080, protocol: 'TCP' }], { app: 'gateway' })],
  egressTo: [call('NetworkPeer.external', 'card-network', [{ port: 443, protocol: 'TCP' }], '203.0.113.0/24')],
  metricsScrapers: call('NetworkPeer.namespace', 'monitoring'),
  metrics: { path: '/metrics', port: 9102, interval: Duration.seconds(30), podTargetLabels: ['team'] },
  automountServiceAccountToken: false,
  ingress: {
    host: 'pay.example.com', paths: [{ path: '/api', pathType: 'Prefix' }], ingressClassName: 'nginx', controllerNamespace: 'ingress-nginx',
    tls: call('IngressTls.fromSecret', 'payments-tls'), forceHttpsRedirect: true, hsts: { maxAge: Duration.days(365), includeSubdomains: true },
    rateLimitPerSecond: 50, maxBodySize: Size.mebibytes(1), connectTimeout: Duration.seconds(5), requestTimeout: Duration.seconds(30),
  },
  dataClassification: 'internal',
  owner: 'payments-team',
};
const AUTOSCALING = {
  minReplicas: 2, maxReplicas: 6, cpuUtilizationPercent: 70, memoryUtilizationPercent: 80,
  scaleUp: { stabilizationWindow: Duration.seconds(0), policies: [call('ScalingPolicy.percent', 100, Duration.seconds(60))], selectPolicy: 'Max' },
  scaleDown: { stabilizationWindow: Duration.minutes(5), policies: [call('ScalingPolicy.pods', 1, Duration.seconds(60))], selectPolicy: 'Min' },
};
const VPA = { minCpu: Cpu.millis(100), minMemory: Size.mebibytes(128), maxCpu: Cpu.units(2), maxMemory: Size.gibibytes(2) };
const SERVICE_VARIANT = {
  ingress: { host: 'pay.example.com', tls: call('IngressTls.fromClusterIssuer', 'letsencrypt') },
  ingressFrom: [call('NetworkPeer.serviceNamed', 'fraud', [{ port: 8080, protocol: 'TCP' }])],
  egressTo: [call('NetworkPeer.service', ledger)],
  secretEnv: {
    DB_PASSWORD: call('SecretKeyRef.fromExternalSecret', {
      secretName: 'payments-db', key: 'password', store: call('SecretStoreRef.cluster', 'vault'), remoteKey: 'payments/db',
      property: 'password', refreshInterval: Duration.hours(1),
    }),
  },
  verticalAutoscaling: VPA,
  metrics: { port: 9102 },
};

const SLACK = call('Notifier.slack', { channel: '#payments', webhookUrl: ref('alertmanager-receivers', 'slack'), sendResolved: true });
const PAGER = call('Notifier.pagerDuty', { routingKey: ref('alertmanager-receivers', 'pagerduty'), sendResolved: true });
const EMAIL = call('Notifier.email', {
  to: 'oncall@example.com', from: 'alerts@example.com', smarthost: 'smtp.example.com:587', username: 'alerts',
  password: ref('alertmanager-receivers', 'smtp'), requireTls: true, sendResolved: false,
});
const WEBHOOK = call('Notifier.webhook', { url: ref('alertmanager-receivers', 'heartbeat'), port: 443, sendResolved: false });
const payments = new Made((chart) => new FintechService(new Chart(chart.node.scope, 'services', { namespace: 'fintech-prod' }), 'payments', { image: IMAGE, port: 8080 }));
const MONITORING = {
  services: [payments],
  serviceOptions: {
    payments: {
      objectives: [call('ServiceLevelObjective.availability', { objectivePercent: 99.9, window: Duration.days(30), name: 'availability' })],
      dashboardUid: 'payments-overview', highErrorRatePerSecond: 5, memoryWarningPercent: 80, memoryCriticalPercent: 90, cpuWarningPercent: 80,
      requestVolumeFactor: 2,
      errorAlerts: [{ alert: 'PaymentsDeclined', errorType: 'declined', severity: 'warning', summary: 'Payments are declined', window: Duration.minutes(5), threshold: 1, for: Duration.minutes(10) }],
    },
  },
  name: 'mon', environment: 'production',
  objectives: [call('ServiceLevelObjective.latency', { threshold: Duration.millis(300), objectivePercent: 99, window: Duration.days(30), name: 'latency' })],
  burnRateWindows: [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: 'critical' }],
  routing: {
    critical: [PAGER], warning: [SLACK], info: [EMAIL], groupBy: ['alertname'], groupWait: Duration.seconds(30), groupInterval: Duration.minutes(5),
    repeatInterval: { critical: Duration.hours(1), warning: Duration.hours(4), info: Duration.hours(12) },
    inhibitEqual: ['namespace'], deadMansSwitch: WEBHOOK, heartbeatInterval: Duration.minutes(1),
  },
  prometheus: { retention: Duration.days(30), storage: Size.gibibytes(50), resources: RESOURCES, replicas: 2, storageClassName: 'ssd', runAs: { user: 1000, group: 2000 }, version: 'v3.5.0' },
  alertmanager: { retention: Duration.hours(120), storage: Size.gibibytes(1), resources: RESOURCES, replicas: 2, storageClassName: 'ssd', runAs: { user: 1000, group: 2000 }, version: 'v0.28.1' },
  clusterMetrics: {
    kubeStateMetrics: { namespace: 'kube-system', selector: { 'app.kubernetes.io/name': 'kube-state-metrics' }, port: 'http-metrics' },
    kubelet: { insecureSkipVerify: false, namespace: 'kube-system', selector: { 'app.kubernetes.io/name': 'kubelet' }, port: 'https-metrics' },
  },
  network: {
    grafana: call('NetworkPeer.namespace', 'grafana'), canaryAnalysis: call('NetworkPeer.namespace', 'argo-rollouts'),
    apiServer: call('NetworkPeer.external', 'api-server', [{ port: 6443 }], '10.0.0.1/32'), kubelets: call('NetworkPeer.external', 'kubelets', [{ port: 10250 }], '10.0.0.0/16'),
  },
  discoveryLabels: { 'fintech.example.com/monitoring': 'production' },
  runbookBaseUrl: 'https://runbooks.example.com/', dashboards: true, dashboardFolder: 'Fintech',
  scrapeInterval: Duration.seconds(30), evaluationInterval: Duration.seconds(30),
};
const MONITORING_VARIANT = {
  services: [payments], routing: { critical: [SLACK], warning: [SLACK] },
  kubeStateMetrics: { image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0', resources: RESOURCES },
  namespaceGuardRails: { labels: { team: 'observability' }, quota: QUOTA, containerLimits: CONTAINER_LIMITS },
};

const POSTGRES = call('BackupSource.postgres', {
  database: 'ledger', host: 'db.internal', port: 5432, user: 'backup', password: ref('ledger-db', 'password'), sslMode: 'verify-full',
  peer: call('NetworkPeer.namespace', 'databases', [{ port: 5432 }]), verifyTables: ['ledger.entries'], owner: 'ledger', applicationRoles: ['ledger_app'],
});
const S3 = call('BackupDestination.s3', {
  bucket: 'ledger-backups', accessKeyId: ref('backup-s3', 'id'), secretAccessKey: ref('backup-s3', 'secret'), region: 'eu-west-1',
  endpoint: 'https://s3.eu-west-1.amazonaws.com', provider: 'AWS', peer: call('NetworkPeer.external', 's3', [{ port: 443 }], '52.0.0.0/8'),
});
const BACKUP_RESOURCES = { ...RESOURCES, ephemeralStorage: { request: Size.gibibytes(10), limit: Size.gibibytes(12) } };
const BACKUP = {
  name: 'ledger-db-backup', source: POSTGRES, destination: S3,
  encryption: { recipients: ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'], identity: ref('backup-age-identity', 'identity') },
  image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', prefix: 'ledger',
  schedule: Cron.schedule({ minute: '0', hour: '2' }), timeZone: 'Europe/London', retention: Duration.days(30),
  startingDeadline: Duration.minutes(30), activeDeadline: Duration.hours(2), backoffLimit: 2, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3,
  ttlAfterFinished: Duration.days(1), resources: BACKUP_RESOURCES, workSpace: Size.gibibytes(10), runAs: { user: 10001, group: 10001 }, pruneResources: RESOURCES,
  restore: { database: 'ledger', activeDeadline: Duration.hours(4) },
  restoreVerification: { schedule: Cron.schedule({ minute: '0', hour: '5', weekDay: '0' }), scratchDatabase: 'ledger_verify', activeDeadline: Duration.hours(2) },
  alerts: { missingAfterFactor: 1.5, runbookBaseUrl: 'https://runbooks.example.com/' },
};
const BACKUP_SECTIONS = [
  { source: call('BackupSource.redis', { host: ref('redis', 'host'), port: 6379, password: ref('redis', 'password'), tls: true, peer: call('NetworkPeer.namespace', 'cache', [{ port: 6379 }]) }),
    destination: call('BackupDestination.azureBlob', { container: 'backups', account: 'fintechbackups', key: ref('azure', 'key'), peer: call('NetworkPeer.external', 'azure', [{ port: 443 }], '20.0.0.0/8') }),
    restore: false, restoreVerification: false },
  { source: call('BackupSource.eventStoreExport', { url: 'https://events.internal/export', token: ref('events', 'token'), peer: call('NetworkPeer.namespace', 'events', [{ port: 443 }]) }),
    destination: call('BackupDestination.gcs', { bucket: 'fintech-backups', serviceAccountCredentials: ref('gcs', 'credentials'), peer: call('NetworkPeer.external', 'gcs', [{ port: 443 }], '142.250.0.0/15') }),
    restore: false, restoreVerification: false },
  { destination: call('BackupDestination.rclone', { type: 'sftp', path: 'backups/ledger', options: { host: 'sftp.example.com' }, secretOptions: { pass: ref('sftp', 'pass') }, peer: call('NetworkPeer.external', 'sftp', [{ port: 22 }], '198.51.100.0/24') }) },
  { destination: call('BackupDestination.azureBlob', { container: 'backups', account: ref('azure', 'account'), sasUrl: ref('azure', 'sas') }), restore: false, restoreVerification: false,
    source: call('BackupSource.redis', { host: 'redis.internal', password: ref('redis', 'password') }),
    access: {
      pruner: call('BackupDestination.azureBlob', { container: 'backups', account: 'fintechbackups', key: ref('azure-pruner', 'key') }),
      reader: call('BackupDestination.azureBlob', { container: 'backups', account: 'fintechbackups', key: ref('azure-reader', 'key') }),
      pruneSchedule: Cron.schedule({ minute: '0', hour: '4' }),
    },
    retentionLock: Duration.days(30) },
];

const GITOPS_ENV = {
  name: 'staging', namespace: 'fintech-staging', waves: [0],
  resources: { folder: 'staging', waves: [0], namespaces: ['fintech-staging'], clusterKinds: [{ group: '', kind: 'Namespace' }], namespacedKinds: [{ group: 'apps', kind: 'Deployment' }] },
  freezes: [call('ChangeFreeze.recurring', { schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing', timeZone: 'Europe/London', manualSync: true })],
  automatedSync: true, prune: true, selfHeal: true,
};
const GITOPS = {
  repoUrl: 'https://git.example.com/platform/fintech.git', revision: call('GitRevision.branch', 'main'), outputPath: 'dist',
  environments: [GITOPS_ENV], argoCdNamespace: 'argocd', fluxNamespace: 'flux-system', fluxSource: { name: 'fintech', namespace: 'flux-system' },
  interval: Duration.minutes(5), fluxCliImage: 'ghcr.io/fluxcd/flux-cli:v2.4.0', apiServerCidrs: ['10.0.0.1/32'], now: new Date('2026-12-02T03:00:00Z'),
};
const GITOPS_SECTIONS = [
  { revision: call('GitRevision.tag', 'v1.2.3'), environments: [{ ...GITOPS_ENV, freezes: [call('ChangeFreeze.oneOff', { start: '2026-12-20T00:00:00Z', end: new Date('2026-12-27T00:00:00Z'), reason: 'Holiday freeze', timeZone: 'Europe/London', manualSync: false })] }] },
  { revision: call('GitRevision.commit', '0123456789abcdef0123456789abcdef01234567'), environments: [{ ...GITOPS_ENV, freezes: [call('ChangeFreeze.oneOff', { start: new Date('2026-12-20T00:00:00Z'), end: '2026-12-27T00:00:00Z', reason: 'Holiday freeze' })] }] },
];

/** Each construct: its Chart, id, and the props of each baseline (a variant sweeps only the props it sets beyond the first). */
const CONSTRUCTS = {
  FintechService: {
    chart: 'prod', namespace: 'fintech-prod', id: 'payments',
    baselines: [
      { image: IMAGE, port: 8080, replicas: 3, trackLabels: { track: 'stable' }, sessionAffinityTimeout: Duration.hours(1), ...WORKLOAD },
      { image: IMAGE, port: 8080, ...WORKLOAD, autoscaling: AUTOSCALING },
      { image: IMAGE, port: 8080, ...SERVICE_VARIANT },
      {
        image: IMAGE, port: 8080, metrics: false, ingress: { host: 'pay.example.com', tls: false, hsts: false },
        secretEnv: { API_TOKEN: call('SecretKeyRef.fromExternalSecret', { secretName: 'payments-api', key: 'token', store: call('SecretStoreRef.namespaced', 'vault'), remoteKey: 'payments/api' }) },
      },
    ],
  },
  CanaryRollout: {
    chart: 'prod', namespace: 'fintech-prod', id: 'payments',
    baselines: [
      {
        backend: 'argo-rollouts', stableImage: IMAGE, canaryImage: 'registry.fintech.internal/fintech/payments:1.5.0', steps: [10, 50, 100], pause: Duration.minutes(5),
        manualApproval: false,
        analysis: {
          maxErrorRatePercent: 1, maxP95Latency: Duration.millis(500), window: Duration.minutes(5), interval: Duration.minutes(1), failureLimit: 1,
          inconclusiveLimit: 1, consecutiveErrorLimit: 2, prometheusAddress: 'http://prometheus.monitoring.svc:9090',
        },
        port: 8080, replicas: 4, ...WORKLOAD, name: 'payments',
      },
      { backend: 'plain-kubernetes', stableImage: IMAGE, canaryImage: 'registry.fintech.internal/fintech/payments:1.5.0', phase: call('CanaryPhase.percent', 30), port: 8080, replicas: 4, runbookBaseUrl: 'https://runbooks.example.com/' },
      { stableImage: IMAGE, port: 8080, ...SERVICE_VARIANT },
      { stableImage: IMAGE, port: 8080, ...WORKLOAD, autoscaling: AUTOSCALING },
    ],
  },
  MonitoringStack: { chart: 'monitoring', namespace: 'monitoring', id: 'mon', baselines: [MONITORING, MONITORING_VARIANT] },
  KubeStateMetrics: {
    chart: 'monitoring', namespace: 'monitoring', id: 'ksm',
    baselines: [{
      name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech-prod'], labels: { 'app.kubernetes.io/part-of': 'monitoring' },
      image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0', resources: RESOURCES,
    }],
  },
  BackupCronJob: { chart: 'data', namespace: 'fintech-prod', id: 'ledger-db-backup', baselines: [BACKUP, ...BACKUP_SECTIONS.map((s) => ({ ...BACKUP, ...s }))] },
  FintechEnvironment: {
    chart: 'environment', id: 'production',
    baselines: [{ namespace: 'fintech-production', labels: { team: 'payments' }, quota: QUOTA, containerLimits: CONTAINER_LIMITS, podSecurity: 'restricted' }],
  },
  GitOpsDelivery: { chart: 'gitops', id: 'delivery', baselines: [GITOPS, ...GITOPS_SECTIONS.map((s) => new Variant({ ...GITOPS, ...s }, ['revision', 'environments[0].freezes']))] },
};


// ---------------------------------------------------------------------------------------------
// The functions and methods a consumer calls: each with its label (the function's name, or the
// construct's for a method), how it is run, the path each argument is reported as, and one valid
// call. Their inputs are built once, from one small app.

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'prop-sweep-'));
function smallApp() {
  const app = new App();
  const chart = new Chart(app, 'services', { namespace: 'fintech-prod' });
  new lib.FintechEnvironment(new Chart(app, 'environment'), 'production', { namespace: 'fintech-prod', quota: QUOTA, containerLimits: CONTAINER_LIMITS });
  const payments = new FintechService(chart, 'payments', { image: IMAGE, port: 8080, dataClassification: 'cardholder', owner: 'payments-team', metrics: false });
  const gateway = new FintechService(chart, 'gateway', { image: IMAGE, port: 8080, egressTo: [lib.NetworkPeer.service(payments)] });
  payments.allowFrom(lib.NetworkPeer.service(gateway));
  return app;
}
const appNode = new Made(() => smallApp());
const ENTRANCES = [{ from: 'fintech-prod/gateway', to: 'fintech-prod/payments', reason: 'card payments API' }];
const FILES = tools.synthesizeFolders([{ folder: 'production', app: smallApp(), scopeEntrances: ENTRANCES }]);
const OBJECTS = tools.objectsOf(FILES);
const PLAN = tools.planDelivery([{ folder: 'production', app: smallApp(), scopeEntrances: ENTRANCES }]);
const OUTDIR = path.join(WORK, 'dist');
tools.writeOutput(FILES, OUTDIR);
const CHANGED = FILES.map((f) => ({ ...f, content: f.content.replace(/replicas: 2/, 'replicas: 3') }));
const CHANGES = tools.diffResources(FILES, CHANGED.some((f, i) => f.content !== FILES[i].content) ? CHANGED : FILES.slice(1));
const MODEL = new tools.NetworkModel(OBJECTS);
const REPORTS = tools.planCapacity(OBJECTS);
const SEGMENTATION = tools.analyseSegmentation('production', OBJECTS);
const DEPLOYMENT = OBJECTS.find((o) => o.kind === 'Deployment');

/** A FintechService to call a method on, in a new App: synthesized after the call so every check runs. */
const onService = (method) => (args) => {
  const app = new App();
  const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
    image: IMAGE, port: 8080, autoscaling: { minReplicas: 2, maxReplicas: 4 }, metrics: { port: 9102 },
  });
  service[method](...args);
  app.synthYaml();
};
const SERVICE_LABEL = "FintechService 'prod/payments'";
const fn = (name) => ({ label: name, run: (args) => tools[name](...args) });

const CALLS = {
  'FintechService.allowFrom': { label: SERVICE_LABEL, run: onService('allowFrom'), display: { peer: 'ingressFrom[0]' }, args: { peer: call('NetworkPeer.namespace', 'fintech-gateway', [{ port: 8080 }]) } },
  'FintechService.allowTo': { label: SERVICE_LABEL, run: onService('allowTo'), display: { peer: 'egressTo[0]' }, args: { peer: call('NetworkPeer.external', 'card-network', [{ port: 443 }], '203.0.113.0/24') } },
  'FintechService.allowMetricsScrapersFrom': { label: SERVICE_LABEL, run: onService('allowMetricsScrapersFrom'), display: { peer: 'metricsScrapers' }, loose: true, args: { peer: call('NetworkPeer.namespace', 'grafana-agent') } },
  'FintechService.addDiscoveryLabels': { label: SERVICE_LABEL, run: onService('addDiscoveryLabels'), display: { labels: 'discoveryLabels' }, args: { labels: { release: 'prometheus' } } },
  'FintechService.addDeploymentAnnotation': { label: SERVICE_LABEL, run: onService('addDeploymentAnnotation'), display: { key: 'deploymentAnnotations', value: 'deploymentAnnotations' }, loose: true, args: { key: 'example.com/ticket', value: 'CHG-42' } },
  'FintechService.setReplicaBounds': { label: SERVICE_LABEL, run: onService('setReplicaBounds'), display: { min: 'minReplicas', max: 'maxReplicas', options: 'setReplicaBounds options' }, args: { min: 2, max: 4, options: { podsOnOtherTracks: 0 } } },
  'FintechService.delegateScaling': { label: SERVICE_LABEL, run: onService('delegateScaling'), display: { target: 'scaleTarget' }, args: { target: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' } } },
  'FintechService.podTemplate': { label: SERVICE_LABEL, run: onService('podTemplate'), args: { image: 'registry.fintech.internal/fintech/payments:1.5.0', trackLabels: { track: 'canary' } } },
  'MonitoringStack.prometheusUrlOf': { label: 'MonitoringStack.prometheusUrlOf', run: (args) => lib.MonitoringStack.prometheusUrlOf(...args), args: { stackName: 'mon', namespace: 'monitoring' } },
  'new NetworkModel': { label: 'NetworkModel', run: (args) => new tools.NetworkModel(...args), args: { objects: OBJECTS } },
  'NetworkModel.allowedPorts': { label: 'NetworkModel.allowedPorts', run: (args) => MODEL.allowedPorts(...args), args: { from: MODEL.endpoints[0], to: MODEL.endpoints[1] } },
  compareOutput: { ...fn('compareOutput'), args: { files: FILES, outdir: OUTDIR } },
  objectsOf: { ...fn('objectsOf'), args: { files: FILES } },
  synthesize: { ...fn('synthesize'), args: { plan: PLAN } },
  synthesizeFolders: { ...fn('synthesizeFolders'), args: { folders: [{ folder: 'production', app: appNode, waves: true, scopeEntrances: [{ from: 'fintech-prod/gateway', to: 'fintech-prod/payments', reason: 'card payments API' }] }] } },
  synthesizePlan: { ...fn('synthesizePlan'), args: { plan: PLAN } },
  validateApp: { ...fn('validateApp'), args: { app: appNode } },
  waveFolder: { ...fn('waveFolder'), args: { wave: 1 } },
  writeFileAtomically: { ...fn('writeFileAtomically'), args: { filePath: path.join(WORK, 'file.yaml'), content: 'kind: ConfigMap\\n' } },
  writeOutput: { ...fn('writeOutput'), args: { files: FILES, outdir: path.join(WORK, 'out') } },
  deliveryWaves: { ...fn('deliveryWaves'), args: { charts: new Made(() => smallApp().charts) } },
  planDelivery: { ...fn('planDelivery'), args: { folders: [{ folder: 'production', app: appNode, waves: true, scopeEntrances: [{ from: 'fintech-prod/gateway', to: 'fintech-prod/payments', reason: 'card payments API' }] }] } },
  wavesOf: { ...fn('wavesOf'), args: { folder: PLAN.folders[0] } },
  environmentResources: { ...fn('environmentResources'), args: { folder: PLAN.folders[0] } },
  analyseSegmentation: { ...fn('analyseSegmentation'), args: { environment: 'production', objects: OBJECTS, declared: [{ from: 'fintech-prod/gateway', to: 'fintech-prod/payments', reason: 'card payments API' }] } },
  segmentationMarkdown: { ...fn('segmentationMarkdown'), args: { results: [SEGMENTATION] } },
  assertCapacity: { ...fn('assertCapacity'), args: { reports: REPORTS } },
  capacityInputs: { ...fn('capacityInputs'), args: { objects: OBJECTS } },
  capacityMarkdown: { ...fn('capacityMarkdown'), args: { reports: REPORTS } },
  capacityTable: { ...fn('capacityTable'), args: { report: REPORTS[0] } },
  checkCapacity: { ...fn('checkCapacity'), args: { inputs: tools.capacityInputs(OBJECTS) } },
  formatResource: { ...fn('formatResource'), args: { resource: 'requests.cpu', value: 250 } },
  planCapacity: { ...fn('planCapacity'), args: { objects: OBJECTS } },
  diffFields: { ...fn('diffFields'), args: { before: { a: 1 }, after: { a: 2 } } },
  diffResources: { ...fn('diffResources'), args: { before: FILES, after: CHANGED } },
  formatResourceChanges: { ...fn('formatResourceChanges'), args: { changes: CHANGES, options: { maxValueLength: 80, maxFieldsPerObject: 10 } } },
  identityLabel: { ...fn('identityLabel'), args: { id: tools.resourceIdentity(DEPLOYMENT, 'production') } },
  readOutputFiles: { ...fn('readOutputFiles'), args: { dir: OUTDIR } },
  resourceIdentity: { ...fn('resourceIdentity'), args: { object: DEPLOYMENT, folder: 'production' } },
};
/** Methods without arguments: nothing to sweep. */
const NO_ARGUMENTS = new Set(['FintechService.deliveryDependencies', 'MonitoringStack.deliveryDependencies', 'BackupCronJob.deliveryDependencies', 'FintechEnvironment.deliveryDependencies', 'NetworkModel.edges']);

/**
 * Arguments that are the result of another function of the package, passed on unchanged: swept
 * as a whole (null, a string, an array for one), not field by field, since no caller writes them
 * by hand.
 */
const MACHINE_MADE = {
  'synthesize:plan': 'planDelivery(folders)',
  'synthesizePlan:plan': 'planDelivery(folders)',
  'wavesOf:folder': 'planDelivery(folders).folders[i]',
  'environmentResources:folder': 'planDelivery(folders).folders[i]',
  'segmentationMarkdown:results[0]': 'analyseSegmentation(environment, objects)',
  'assertCapacity:reports[0]': 'planCapacity(objects)',
  'capacityMarkdown:reports[0]': 'planCapacity(objects)',
  'capacityTable:report': 'planCapacity(objects)[i]',
  'checkCapacity:inputs[0]': 'capacityInputs(objects)',
  'formatResourceChanges:changes[0]': 'diffResources(before, after)',
  'identityLabel:id': 'resourceIdentity(object)',
  'NetworkModel.allowedPorts:from': 'NetworkModel.endpoints',
  'NetworkModel.allowedPorts:to': 'NetworkModel.endpoints',
};

/** Declared `any` or `unknown`: every value fits the type, so there is no wrong type to give. */
const ANY_VALUE = {};
for (const name of ['compareOutput', 'objectsOf', 'writeOutput']) ANY_VALUE[`${name}:files[0].objects[0]`] = 'a parsed Kubernetes object, typed any';
for (const name of ['analyseSegmentation', 'capacityInputs', 'planCapacity', 'new NetworkModel']) ANY_VALUE[`${name}:objects[0]`] = 'a parsed Kubernetes object, typed any';
ANY_VALUE['diffResources:before[0].objects[0]'] = 'a parsed Kubernetes object, typed any';
ANY_VALUE['diffResources:after[0].objects[0]'] = 'a parsed Kubernetes object, typed any';
ANY_VALUE['resourceIdentity:object'] = 'a parsed Kubernetes object, typed any';
ANY_VALUE['diffFields:before'] = 'diffFields compares any two values';
ANY_VALUE['diffFields:after'] = 'diffFields compares any two values';
ANY_VALUE['formatResourceChanges:changes[0].fields[0].oldValue'] = 'a field value of a Kubernetes object, any JSON value';
ANY_VALUE['formatResourceChanges:changes[0].fields[0].newValue'] = 'a field value of a Kubernetes object, any JSON value';

// ---------------------------------------------------------------------------------------------
// Values a prop legitimately accepts although the sweep would try them: `construct:path` (array
// items as [0], record entries as *) and the value's label, with the reason.
const LABEL_VALUE = 'a Kubernetes label value may be empty';
const FRACTION = 'a fraction is a valid value: the prop is a ratio, a rate or a percentage, not a count';
const ALLOWED = {
  "env.* ''": 'an environment variable set to the empty string is a value a program reads',
  "config.* ''": 'an empty configuration entry is valid ConfigMap data',
  "ingressFrom[0].podLabels.* ''": LABEL_VALUE,
  "trackLabels.* ''": LABEL_VALUE,
  "labels.* ''": LABEL_VALUE,
  "discoveryLabels.* ''": LABEL_VALUE,
  "namespaceGuardRails.labels.* ''": LABEL_VALUE,
  "clusterMetrics.kubeStateMetrics.selector.* ''": LABEL_VALUE,
  "clusterMetrics.kubelet.selector.* ''": LABEL_VALUE,
  "destination.options.* ''": 'rclone reads an empty option as the option unset',
  "environments[0].resources.clusterKinds[0].group ''": "'' is the core API group (Namespace, ConfigMap)",
  "environments[0].resources.namespacedKinds[0].group ''": "'' is the core API group (Namespace, ConfigMap)",
  'analysis.maxErrorRatePercent 1.5': FRACTION,
  'serviceOptions.*.objectives[0].objectivePercent 1.5': FRACTION,
  'objectives[0].objectivePercent 1.5': FRACTION,
  'serviceOptions.*.highErrorRatePerSecond 1.5': FRACTION,
  'serviceOptions.*.memoryWarningPercent 1.5': FRACTION,
  'serviceOptions.*.memoryCriticalPercent 1.5': FRACTION,
  'serviceOptions.*.cpuWarningPercent 1.5': FRACTION,
  'serviceOptions.*.requestVolumeFactor 1.5': FRACTION,
  'serviceOptions.*.errorAlerts[0].threshold 1.5': FRACTION,
  'burnRateWindows[0].budgetPercent 1.5': FRACTION,
  'alerts.missingAfterFactor 1.5': FRACTION,
  "FintechService.addDeploymentAnnotation:value ''": 'an annotation value may be empty',
  "resourceIdentity:folder ''": "'' is the default folder: an output without folders",
  'formatResource:value -1': 'formatResource writes any finite figure, a difference too',
  'formatResource:value 1.5': 'formatResource writes any finite figure; fractions are rounded as Kubernetes writes them',
  "writeFileAtomically:content ''": 'a file may be empty',
  'writeFileAtomically:content a password URL': 'the content is any text; scanning it is the caller\'s business',
  'writeFileAtomically:content a GitHub token': 'the content is any text; scanning it is the caller\'s business',
};
for (const at of ['writeFileAtomically:filePath', 'writeOutput:outdir', 'compareOutput:outdir', 'readOutputFiles:dir']) {
  ALLOWED[`${at} a password URL`] = 'a local path may hold any characters the file system allows, and is never written into a manifest';
  ALLOWED[`${at} a GitHub token`] = 'a local path may hold any characters the file system allows, and is never written into a manifest';
}
for (const [fn, arg] of [['compareOutput', 'files'], ['objectsOf', 'files'], ['writeOutput', 'files'], ['diffResources', 'before'], ['diffResources', 'after']]) {
  ALLOWED[`${fn}:${arg}[0].content ''`] = 'an output file may be empty';
  ALLOWED[`${fn}:${arg}[0].content a password URL`] = 'the content of a synthesized file is its text: the manifests are checked for secrets when synthesized';
  ALLOWED[`${fn}:${arg}[0].content a GitHub token`] = 'the content of a synthesized file is its text: the manifests are checked for secrets when synthesized';
  ALLOWED[`${fn}:${arg}[0].path a GitHub token`] = 'a file name may be any name the file system allows';
  ALLOWED[`${fn}:${arg}[0].path a password URL`] = 'a file name may be any name the file system allows';
}

// ---------------------------------------------------------------------------------------------
// The sweep

/** Builds the value a case passes: factory calls made, constructs created in `chart`. */
function materialize(node, chart) {
  if (node instanceof Call) {
    const [cls, method] = node.factory.split('.');
    return lib[cls][method](...node.args.map((a) => materialize(a, chart)));
  }
  if (node instanceof Made) return node.make(chart);
  if (node instanceof LookAlike) return { ...materialize(node.node, chart) };
  if (Array.isArray(node)) return node.map((n) => materialize(n, chart));
  if (isPlain(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, materialize(v, chart)]));
  return node;
}

function isPlain(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** `tree` with the node at `steps` replaced by `value` (copies along the path only). */
function replaceAt(tree, steps, value) {
  if (!steps.length) return value;
  const [step, ...rest] = steps;
  if (tree instanceof Call) {
    const args = [...tree.args];
    args[step.arg] = replaceAt(args[step.arg], rest, value);
    return new Call(tree.factory, args);
  }
  if (Array.isArray(tree)) {
    const copy = [...tree];
    copy[step] = replaceAt(copy[step], rest, value);
    return copy;
  }
  const copy = { ...tree };
  const replaced = replaceAt(copy[step], rest, value);
  if (replaced === REMOVE) delete copy[step]; else copy[step] = replaced;
  return copy;
}
const REMOVE = Symbol('remove');

/**
 * The wrong values tried for a node of each kind, as [label, make(node)]: make returns NONE when
 * the value does not apply (no array item to take). A union is tried with its members' values
 * that fit none of its members.
 */
const V = {
  null: ['null', () => null],
  undefined: ['undefined', () => undefined],
  nan: ['NaN', () => NaN],
  infinity: ['Infinity', () => Infinity],
  negative: ['-1', () => -1],
  fraction: ['1.5', () => 1.5],
  duration: ["'30s'", () => '30s'],
  size: ["'1GB'", () => '1GB'],
  trueString: ["'true'", () => 'true'],
  empty: ["''", () => ''],
  numberString: ['a number as a string', (node) => (typeof node === 'number' ? String(node) : NONE)],
  number: ['42', () => 42],
  boolean: ['true', () => true],
  wrapped: ['an array of the value', (node) => (node === undefined ? NONE : [node])],
  item: ['the array item alone', (node) => (Array.isArray(node) && node.length ? node[0] : NONE)],
  lookAlike: ['a look-alike object', (node) => lookAlike(node)],
  fn: ['a function', (node) => () => node],
  secretUrl: ['a password URL', () => SECRET_URL],
  token: ['a GitHub token', () => TOKEN],
};
const COMMON = [V.null, V.undefined, V.fn, V.wrapped];
const BY_KIND = {
  string: [V.number, V.boolean, V.empty, V.secretUrl, V.token],
  number: [V.nan, V.infinity, V.negative, V.fraction, V.duration, V.numberString, V.boolean],
  boolean: [V.trueString, V.number],
  enum: [V.trueString, V.empty, V.number, V.boolean, V.token],
  class: [V.duration, V.size, V.number, V.boolean, V.lookAlike],
  object: [V.trueString, V.number, V.boolean],
  array: [V.item, V.trueString, V.number],
  record: [V.trueString, V.number, V.boolean],
  function: [V.trueString],
};
/** The secrets are tried where a secret reference goes, too: the mistake is the secret's value given instead. */
const SECRET_CLASSES = new Set(['SecretKeyRef']);
function candidatesOf(type) {
  const kinds = type.kind === 'union' ? type.types : [type];
  const seen = new Set();
  const out = [];
  for (const entry of [...COMMON, ...kinds.flatMap((t) => [...(BY_KIND[t.kind] ?? []), ...(SECRET_CLASSES.has(t.name) ? [V.secretUrl, V.token] : [])])]) {
    if (!seen.has(entry)) out.push(entry);
    seen.add(entry);
  }
  return out;
}
const NONE = Symbol('none');

/** A plain object with the fields of the class instance `node` builds (`{ amount: 30, unit: ... }` for a Duration). */
function lookAlike(node) {
  if (node instanceof Call) return new LookAlike(node);
  if (node === null || typeof node !== 'object' || isPlain(node) || Array.isArray(node) || node instanceof Made) return NONE;
  return { ...node };
}


/** Whether `value` fits the declared type: true, false, or 'judge' (fits the type, valid only if the prop's JSDoc says so). */
function fits(value, type) {
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') return false;
      return value === '' || SECRET_PARTS.includes(value) ? 'judge' : true;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      return value < 0 || !Number.isInteger(value) ? 'judge' : true;
    case 'boolean': return typeof value === 'boolean';
    case 'enum': return type.values.includes(value);
    case 'array': return Array.isArray(value) && value.every((v) => fits(v, type.item) === true);
    case 'record': return isPlain(value) && Object.values(value).every((v) => fits(v, type.value) === true);
    case 'object': return isPlain(value);
    case 'class': return false;
    case 'function': return typeof value === 'function';
    case 'union': {
      const results = type.types.map((t) => fits(value, t));
      return results.includes(true) ? true : results.includes('judge') ? 'judge' : false;
    }
    // Only reached inside an array or object: the `any` node itself is refused by the walk unless in ANY_VALUE.
    case 'unknown': return true;
    default: throw new Error(`cannot judge values of ${type.kind} (${type.shown})`);
  }
}

const STRUCTURAL = new Set(['object', 'array', 'record']);
const normalize = (display) => display.replace(/\[\d+\]/g, '[0]');

/**
 * The cases of one baseline: walks the declared type and the baseline's value together, and for
 * each node makes the cases of the wrong values; records which structural nodes and factories
 * it reached, so the ones no baseline reaches fail the coverage test.
 */
function casesOf(target, baseline, propsType, coverage, only, rootDisplay = {}) {
  const cases = [];
  const walk = (type, node, steps, display, optional, expected, caseType = type, typePath = display, inObject = true) => {
    const key = `${target}:${normalize(display)}`;
    const coverKey = expected ? `${expected.factory}:${normalize(display.slice(expected.at.length))}` : key;
    if (type.kind === 'unknown') {
      if (ANY_VALUE[`${target}:${typePath}`]) return;
      throw new Error(`${key}: cannot sweep a prop of type ${type.shown}`);
    }
    const swept = !only || only.some((p) => display === p || display.startsWith(`${p}.`) || display.startsWith(`${p}[`));
    if (swept && display && caseType) {
      for (const [label, make] of candidatesOf(caseType)) {
        const value = make(node);
        if (value === NONE) continue;
        if (value === undefined && optional) continue;
        const fit = value === undefined ? false : fits(value instanceof Call ? null : value, caseType);
        if (fit === true) continue;
        if (fit === 'judge' && (ALLOWED[`${typePath} ${label}`] || ALLOWED[`${target}:${typePath} ${label}`])) continue;
        // undefined for a required option is the option left out; for an entry or an item, the value given as undefined.
        cases.push({ target, display, key, label, steps, value: value === undefined && inObject ? REMOVE : value, expected });
      }
    }
    if (MACHINE_MADE[`${target}:${typePath}`] || node instanceof Made) return;
    if (node === undefined) {
      if (STRUCTURAL.has(type.kind) || (type.kind === 'union' && type.types.some((t) => STRUCTURAL.has(t.kind)))) coverage.missing.add(coverKey);
      return;
    }
    coverage.reached.add(coverKey);
    if (type.kind === 'union') {
      const member = type.types.find((t) => fits(node instanceof Call ? null : node, t) === true)
        ?? type.types.find((t) => t.kind === 'class' && (node instanceof Call || node instanceof Made || typeof node === 'object'));
      if (!member) throw new Error(`${key}: the baseline's value fits no member of ${type.shown}`);
      type.types.filter((t) => STRUCTURAL.has(t.kind) && t !== member).forEach((t) => coverage.missing.add(`${coverKey}|${t.kind}`));
      coverage.reached.add(`${coverKey}|${member.kind}`);
      walk(member, node, steps, display, optional, expected, null, typePath, inObject);
      return;
    }
    const nested = swept || (only ?? []).some((p) => p.startsWith(display));
    if (!nested) return;
    if (type.kind === 'object') {
      if (!isPlain(node)) throw new Error(`${key}: the baseline's value is not an object`);
      for (const [name, prop] of Object.entries(type.props)) {
        const at = display ? `${display}.${name}` : rootDisplay[name] ?? name;
        walk(prop.type, node[name], [...steps, name], at, prop.optional, expected, prop.type, typePath ? `${typePath}.${name}` : name);
      }
    } else if (type.kind === 'array' && node.length) {
      walk(type.item, node[0], [...steps, 0], `${display}[0]`, false, expected, type.item, `${typePath}[0]`, false);
    } else if (type.kind === 'array') {
      if (STRUCTURAL.has(type.item.kind) || type.item.kind === 'class') coverage.missing.add(`${coverKey}[0]`);
    } else if (type.kind === 'record') {
      const [first] = Object.keys(node);
      if (first === undefined) coverage.missing.add(`${coverKey}.*`);
      else walk(type.value, node[first], [...steps, first], `${display}.${first}`, false, expected, type.value, `${typePath}.*`, false);
    } else if (type.kind === 'class' && node instanceof Call) {
      const factory = FACTORIES.get(node.factory);
      if (!factory) throw new Error(`${key}: ${node.factory} is not a public factory`);
      coverage.factories.add(node.factory);
      factory.parameters.forEach((parameter, i) => {
        const argDisplay = parameter.type.kind === 'object' ? display : `${display}.${parameter.name}`;
        walk(parameter.type, node.args[i], [...steps, { arg: i }], argDisplay, parameter.optional,
          { factory: node.factory, at: display, parameter: parameter.name }, parameter.type,
          parameter.type.kind === 'object' ? typePath : `${typePath}.${parameter.name}`, false);
      });
    }
  };
  walk(propsType, baseline, [], '', false, undefined);
  return cases;
}

const API = readPublicApi();
const FACTORIES = new Map(API.factories.map((f) => [f.name, f]));

function build(target, props) {
  const spec = CONSTRUCTS[target];
  const app = new App();
  const chart = new Chart(app, spec.chart, spec.namespace ? { namespace: spec.namespace } : {});
  new lib[target](chart, spec.id, materialize(props, chart));
  app.synthYaml();
}

const ALL_CASES = [];
const SEEN = new Set();
const COVERAGE = { missing: new Set(), reached: new Set(), factories: new Set() };
for (const construct of API.constructs) {
  const spec = CONSTRUCTS[construct.name];
  if (!spec) {
    ALL_CASES.push({ target: construct.name, unknown: true });
    continue;
  }
  const propsType = construct.parameters.find((p) => p.name === 'props').type;
  spec.baselines.forEach((entry, i) => {
    const baseline = entry instanceof Variant ? entry.props : entry;
    const first = spec.baselines[0];
    const only = i === 0 ? undefined : entry instanceof Variant ? entry.only : Object.keys(baseline).filter((k) => baseline[k] !== first[k]);
    for (const c of casesOf(construct.name, baseline, propsType, COVERAGE, only)) {
      // The same wrong value at the same place, reached again by a variant, is not tried twice.
      const id = `${c.key} ${c.label} ${c.expected?.factory}`;
      if (SEEN.has(id)) continue;
      SEEN.add(id);
      ALL_CASES.push({ ...c, baseline });
    }
  });
}

const API_CALLS = new Map([...API.functions, ...API.methods.filter((m) => !NO_ARGUMENTS.has(m.name)), ...API.factories.filter((f) => CALLS[f.name])]
  .map((f) => [f.name, f]));
for (const [name, declared] of API_CALLS) {
  const spec = CALLS[name];
  if (!spec) {
    ALL_CASES.push({ target: name, unknown: true });
    continue;
  }
  const type = { kind: 'object', shown: name, props: Object.fromEntries(declared.parameters.map((p) => [p.name, { optional: p.optional, type: p.type }])) };
  for (const c of casesOf(name, spec.args, type, COVERAGE, undefined, spec.display)) ALL_CASES.push({ ...c, baseline: spec.args, call: { loose: spec.loose } });
}

/** What is wrong with the outcome of one case, or undefined when it is the clear error expected. */
function verdict(c) {
  let label;
  let error;
  try {
    if (c.call) {
      const spec = CALLS[c.target];
      label = spec.label;
      const args = replaceAt(c.baseline, c.steps, c.value);
      // A relative path given to a function that writes (a token as a file name) lands in the scratch folder.
      const cwd = process.cwd();
      process.chdir(WORK);
      try {
        spec.run(API_CALLS.get(c.target).parameters.map((p) => materialize(args[p.name])));
      } finally {
        process.chdir(cwd);
      }
    } else {
      const spec = CONSTRUCTS[c.target];
      label = `${c.target} '${spec.chart}/${spec.id}'`;
      build(c.target, replaceAt(c.baseline, c.steps, c.value));
    }
  } catch (e) {
    error = e;
  }
  if (!error) return 'silent';
  const message = String(error.message);
  if (SECRET_PARTS.some((s) => message.includes(s))) return 'secret printed';
  if (error.constructor !== Error) return `crash (${error.constructor.name}): ${message.slice(0, 200)}`;
  const escaped = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (message.startsWith(`${label}: `)) {
    const at = c.expected ? c.expected.at : c.display;
    const container = c.value !== null && typeof c.value === 'object';
    const pattern = c.expected || container || c.call?.loose ? new RegExp(`'${escaped(at)}(['.[])`) : new RegExp(`'${escaped(at)}'`);
    return pattern.test(message) ? undefined : `wrong path: ${message.slice(0, 200)}`;
  }
  if (c.expected && message.startsWith(`${c.expected.factory}: `)) return undefined;
  return `no label: ${message.slice(0, 200)}`;
}

describe('every prop of every public construct, swept with wrong values', () => {
  afterAll(() => fs.rmSync(WORK, { recursive: true, force: true }));

  test('every public construct, function and method has a baseline', () => {
    expect(ALL_CASES.filter((c) => c.unknown).map((c) => c.target)).toEqual([]);
    // A construct's scope and id are checked by checkConstructId for every construct alike; its props are swept here.
    expect(API.constructs.filter((c) => c.parameters.map((p) => p.name).join() !== 'scope,id,props').map((c) => c.name)).toEqual([]);
  });

  test('the baselines are valid', () => {
    const failures = [];
    for (const [target, spec] of Object.entries(CONSTRUCTS)) {
      spec.baselines.forEach((entry, i) => {
        try {
          build(target, entry instanceof Variant ? entry.props : entry);
        } catch (e) {
          failures.push(`${target} baseline ${i}: ${e.message}`);
        }
      });
    }
    for (const [name, spec] of Object.entries(CALLS)) {
      const args = spec.args;
      const cwd = process.cwd();
      process.chdir(WORK);
      try {
        spec.run((API_CALLS.get(name)?.parameters ?? []).map((p) => materialize(args[p.name])));
      } catch (e) {
        failures.push(`${name}: ${e.message}`);
      } finally {
        process.chdir(cwd);
      }
    }
    expect(failures).toEqual([]);
  });

  test('the baselines reach every nested option, array item and factory', () => {
    const missing = [...COVERAGE.missing].filter((k) => !COVERAGE.reached.has(k)).sort();
    const factories = API.factories.map((f) => f.name).filter((f) => !COVERAGE.factories.has(f) && !FACTORY_OUTSIDE_PROPS[f]);
    expect({ missing, factories }).toEqual({ missing: [], factories: [] });
  });

  test('each wrong value fails with the construct, the full prop path and no secret', () => {
    const failures = [];
    for (const c of ALL_CASES.filter((x) => !x.unknown)) {
      const problem = verdict(c);
      if (problem) failures.push(`${c.key} = ${c.label}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });
});

/** Factories whose result is not a construct's prop, swept elsewhere or taking no input. */
const FACTORY_OUTSIDE_PROPS = {
  'MonitoringStack.prometheusUrlOf': 'returns a URL string; swept with the functions and methods',
};
