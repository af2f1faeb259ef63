/**
 * The constructs of a fintech platform on cdk8s, their props, and the classes and enums those
 * props are built from. Synthesis into delivery-wave folders, capacity planning and output diffs
 * are in `cdk8s-fintech/tools`.
 *
 * @module cdk8s-fintech
 */

// FintechService
export type { DisruptionBudgetOptions, FintechServiceProps, MetricsOptions, NamedPort, ReplicaBoundsOptions, RollingUpdateOptions } from './fintech-service';
export { FintechService } from './fintech-service';
export type { AutoscalingOptions, ScalingBehavior, VerticalAutoscalingOptions } from './autoscaling';
export { ScalingPolicy } from './autoscaling';
export type { HstsOptions, IngressOptions, IngressPath } from './ingress';
export { IngressTls } from './ingress';
export type { INetworkPeerTarget, PeerPort } from './network-peer';
export { NetworkPeer, NetworkPeerKind } from './network-peer';
export type { HttpProbeOptions, StartupProbeOptions } from './probes';
export type { ExternalSecretKeyOptions, ExternalSecretSource } from './secret-key-ref';
export { SecretKeyRef, SecretStoreKind, SecretStoreRef } from './secret-key-ref';
export type { RunAsIdentity } from './shared/security';
export { DATA_CLASSIFICATION_LABEL, DataClassification, OWNER_LABEL } from './data-classification';

// CanaryRollout
export type { CanaryAnalysisOptions, CanaryRolloutProps, ReplicaSplit } from './canary-rollout';
export { CanaryBackend, CanaryPhase, CanaryRollout } from './canary-rollout';

// MonitoringStack
export type { MonitoringStackProps, ServiceMonitoringOptions } from './monitoring-stack';
export { MonitoringStack } from './monitoring-stack';
export type { ErrorCounterAlert, ServiceAlertOptions } from './monitoring/alert-rules';
export { Severity } from './monitoring/alert-rules';
export type { RoutedSeverity } from './monitoring/alert-rules';
export type { AlertRoutingOptions, EmailNotifierOptions, PagerDutyNotifierOptions, SlackNotifierOptions, WebhookNotifierOptions } from './monitoring/alertmanager-config';
export { Notifier } from './monitoring/alertmanager-config';
export type { DashboardDefinition, DashboardPanel, PanelQuery, PanelUnit } from './monitoring/dashboards';
export type {
  AlertmanagerOptions, ClusterMetricsOptions, KubeletTarget, LabelSelector, PrometheusOptions, ScrapeTarget,
} from './monitoring/prometheus';
export { DEFAULT_KUBE_STATE_METRICS, DEFAULT_KUBELET } from './monitoring/prometheus';
export type { KubeStateMetricsOptions, KubeStateMetricsProps } from './monitoring/kube-state-metrics';
export { KubeStateMetrics } from './monitoring/kube-state-metrics';
export type { MonitoringNamespaceOptions } from './monitoring/namespace';
export type { MonitoringNetworkOptions, MonitoringPeers } from './monitoring/network-policies';
export type { BurnRateWindow, LatencyObjectiveOptions, ObjectiveOptions } from './monitoring/slo';
export { DEFAULT_BURN_RATE_WINDOWS, ServiceLevelObjective, SliKind } from './monitoring/slo';

// BackupCronJob
export type { BackupAlertOptions, BackupCronJobProps, RestoreOptions, RestoreVerificationOptions } from './backup-cron-job';
export { BackupCronJob, BackupDestination, BackupSource, BackupSourceKind } from './backup-cron-job';
export type { CronIntervals } from './backup/cron';
export type { BackupAccessOptions, BackupEncryptionOptions } from './backup/protection';
export type {
  AzureBlobDestinationOptions, EventStoreExportOptions, GcsDestinationOptions, PostgresSourceOptions, PostgresSslMode,
  RcloneDestinationOptions, RedisSourceOptions, S3DestinationOptions,
} from './backup-cron-job';

// Environments and GitOps
export type { ContainerLimits, EnvironmentQuota, FintechEnvironmentProps } from './environment';
export { FintechEnvironment, PodSecurityLevel } from './environment';
export type { FluxSourceRef, GitOpsDeliveryProps, GitOpsEnvironment } from './gitops';
export { GitOpsDelivery, GitRevision, GitRevisionKind } from './gitops';
export type { FluxFreeze, OneOffFreezeOptions, RecurringFreezeOptions } from './change-freeze';
export { ChangeFreeze, ChangeFreezeKind } from './change-freeze';
export type { IDeliverable } from './delivery';
export { DeliveryTier } from './delivery';
