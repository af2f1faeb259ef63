/**
 * What each kind of scrape target of the platform exports, from the exporters' own documentation,
 * independent of the library: a test compares what the rules read with these lists, never with
 * the library's own constants.
 */

/**
 * kube-state-metrics v2.13 metric families, by the `--resources` value that turns them on
 * (docs/metrics/workload/*.md and docs/metrics/policy/*.md of kubernetes/kube-state-metrics).
 */
export const KUBE_STATE_METRICS_BY_RESOURCE: Readonly<Record<string, readonly string[]>> = {
  cronjobs: [
    'kube_cronjob_annotations', 'kube_cronjob_info', 'kube_cronjob_labels', 'kube_cronjob_created', 'kube_cronjob_next_schedule_time',
    'kube_cronjob_status_active', 'kube_cronjob_status_last_schedule_time', 'kube_cronjob_status_last_successful_time',
    'kube_cronjob_spec_suspend', 'kube_cronjob_spec_starting_deadline_seconds', 'kube_cronjob_metadata_resource_version',
    'kube_cronjob_spec_successful_job_history_limit', 'kube_cronjob_spec_failed_job_history_limit',
  ],
  jobs: [
    'kube_job_annotations', 'kube_job_info', 'kube_job_labels', 'kube_job_owner', 'kube_job_spec_parallelism', 'kube_job_spec_completions',
    'kube_job_spec_active_deadline_seconds', 'kube_job_status_active', 'kube_job_status_succeeded', 'kube_job_status_failed',
    'kube_job_status_start_time', 'kube_job_status_completion_time', 'kube_job_complete', 'kube_job_failed', 'kube_job_created',
    'kube_job_status_suspended',
  ],
  deployments: [
    'kube_deployment_annotations', 'kube_deployment_created', 'kube_deployment_labels', 'kube_deployment_metadata_generation',
    'kube_deployment_owner', 'kube_deployment_spec_paused', 'kube_deployment_spec_replicas',
    'kube_deployment_spec_strategy_rollingupdate_max_surge', 'kube_deployment_spec_strategy_rollingupdate_max_unavailable',
    'kube_deployment_status_condition', 'kube_deployment_status_observed_generation', 'kube_deployment_status_replicas',
    'kube_deployment_status_replicas_available', 'kube_deployment_status_replicas_ready', 'kube_deployment_status_replicas_unavailable',
    'kube_deployment_status_replicas_updated',
  ],
  horizontalpodautoscalers: [
    'kube_horizontalpodautoscaler_annotations', 'kube_horizontalpodautoscaler_info', 'kube_horizontalpodautoscaler_labels',
    'kube_horizontalpodautoscaler_metadata_generation', 'kube_horizontalpodautoscaler_spec_max_replicas',
    'kube_horizontalpodautoscaler_spec_min_replicas', 'kube_horizontalpodautoscaler_spec_target_metric',
    'kube_horizontalpodautoscaler_status_condition', 'kube_horizontalpodautoscaler_status_current_replicas',
    'kube_horizontalpodautoscaler_status_desired_replicas', 'kube_horizontalpodautoscaler_status_target_metric',
  ],
  poddisruptionbudgets: [
    'kube_poddisruptionbudget_annotations', 'kube_poddisruptionbudget_labels', 'kube_poddisruptionbudget_created',
    'kube_poddisruptionbudget_status_current_healthy', 'kube_poddisruptionbudget_status_desired_healthy',
    'kube_poddisruptionbudget_status_pod_disruptions_allowed', 'kube_poddisruptionbudget_status_expected_pods',
    'kube_poddisruptionbudget_status_observed_generation',
  ],
  pods: [
    'kube_pod_annotations', 'kube_pod_info', 'kube_pod_ips', 'kube_pod_labels', 'kube_pod_owner', 'kube_pod_created', 'kube_pod_start_time',
    'kube_pod_completion_time', 'kube_pod_deletion_timestamp', 'kube_pod_restart_policy', 'kube_pod_service_account', 'kube_pod_status_phase',
    'kube_pod_status_ready', 'kube_pod_status_reason', 'kube_pod_status_scheduled', 'kube_pod_status_scheduled_time',
    'kube_pod_status_unschedulable', 'kube_pod_container_info', 'kube_pod_container_resource_limits', 'kube_pod_container_resource_requests',
    'kube_pod_container_state_started', 'kube_pod_container_status_last_terminated_exitcode',
    'kube_pod_container_status_last_terminated_reason', 'kube_pod_container_status_last_terminated_timestamp',
    'kube_pod_container_status_ready', 'kube_pod_container_status_restarts_total', 'kube_pod_container_status_running',
    'kube_pod_container_status_terminated', 'kube_pod_container_status_terminated_reason', 'kube_pod_container_status_waiting',
    'kube_pod_container_status_waiting_reason', 'kube_pod_init_container_info', 'kube_pod_init_container_resource_limits',
    'kube_pod_init_container_resource_requests', 'kube_pod_init_container_status_restarts_total',
    'kube_pod_init_container_status_running', 'kube_pod_init_container_status_terminated', 'kube_pod_init_container_status_waiting',
    'kube_pod_spec_volumes_persistentvolumeclaims_info', 'kube_pod_tolerations', 'kube_pod_nodeselectors',
  ],
};

/** The metrics kube-state-metrics exports when started with `args` (all of the above without `--resources`). */
export function kubeStateMetricsExports(args: readonly string[]): Set<string> {
  const flag = args.find((a) => a.startsWith('--resources='));
  const resources = flag ? flag.slice('--resources='.length).split(',') : Object.keys(KUBE_STATE_METRICS_BY_RESOURCE);
  const unknown = resources.filter((r) => !(r in KUBE_STATE_METRICS_BY_RESOURCE));
  if (unknown.length > 0) throw new Error(`kube-state-metrics resources this catalogue does not list: ${unknown.join(', ')}`);
  return new Set(resources.flatMap((r) => KUBE_STATE_METRICS_BY_RESOURCE[r]));
}

/** cAdvisor's container metrics, as the kubelet serves them on `/metrics/cadvisor`. */
export const CADVISOR_EXPORTS: ReadonlySet<string> = new Set([
  'container_cpu_usage_seconds_total', 'container_cpu_user_seconds_total', 'container_cpu_system_seconds_total',
  'container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_periods_total', 'container_cpu_cfs_throttled_seconds_total',
  'container_memory_usage_bytes', 'container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache',
  'container_memory_swap', 'container_memory_failcnt', 'container_oom_events_total', 'container_network_receive_bytes_total',
  'container_network_transmit_bytes_total', 'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total',
  'container_spec_cpu_quota', 'container_spec_cpu_period', 'container_spec_memory_limit_bytes', 'container_last_seen',
  'container_start_time_seconds',
]);

/**
 * The services' own metrics (PLATFORM.md, "Monitoring": `http_requests_total`,
 * `http_request_duration_seconds_bucket`, `transactions_total`, `errors_total`); a histogram also
 * has its `_sum` and `_count`.
 */
export const SERVICE_EXPORTS: ReadonlySet<string> = new Set([
  'http_requests_total', 'http_request_duration_seconds_bucket', 'http_request_duration_seconds_sum', 'http_request_duration_seconds_count',
  'transactions_total', 'errors_total',
]);

/**
 * The kubelet Service the Prometheus Operator maintains (`--kubelet-service=kube-system/kubelet`):
 * not in the output, a stated prerequisite of the cluster. Its endpoints are the nodes.
 */
export const OPERATOR_KUBELET_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'kubelet', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' } },
  spec: { ports: [{ name: 'https-metrics', port: 10250 }, { name: 'http-metrics', port: 10255 }, { name: 'cadvisor', port: 4194 }] },
};

/** Series Prometheus writes for every scrape target itself; metric relabelling never applies to them. */
export const SCRAPE_SERIES: ReadonlySet<string> = new Set([
  'up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added',
]);

/**
 * Prometheus' own metrics on `/metrics` of its web port (v2/v3; the reload, rule-manager,
 * notifier and TSDB families the pipeline alerts read, from prometheus/prometheus' config,
 * rules and notifier packages).
 */
export const PROMETHEUS_EXPORTS: ReadonlySet<string> = new Set([
  'prometheus_build_info', 'prometheus_ready',
  'prometheus_config_last_reload_successful', 'prometheus_config_last_reload_success_timestamp_seconds',
  'prometheus_rule_evaluation_failures_total', 'prometheus_rule_evaluations_total', 'prometheus_rule_group_iterations_missed_total',
  'prometheus_rule_group_last_duration_seconds', 'prometheus_rule_group_interval_seconds', 'prometheus_rule_group_rules',
  'prometheus_notifications_alertmanagers_discovered', 'prometheus_notifications_dropped_total', 'prometheus_notifications_errors_total',
  'prometheus_notifications_queue_capacity', 'prometheus_notifications_queue_length', 'prometheus_notifications_sent_total',
  'prometheus_notifications_latency_seconds', 'prometheus_sd_discovered_targets', 'prometheus_target_scrape_pools_failed_total',
  'prometheus_tsdb_head_series', 'prometheus_tsdb_reloads_failures_total', 'prometheus_tsdb_compactions_failed_total',
  'process_start_time_seconds', 'process_resident_memory_bytes',
]);

/** Alertmanager's own metrics on `/metrics` of its web port (prometheus/alertmanager: config, notify, cluster packages). */
export const ALERTMANAGER_EXPORTS: ReadonlySet<string> = new Set([
  'alertmanager_build_info', 'alertmanager_config_hash', 'alertmanager_config_last_reload_successful',
  'alertmanager_config_last_reload_success_timestamp_seconds', 'alertmanager_alerts', 'alertmanager_alerts_received_total',
  'alertmanager_alerts_invalid_total', 'alertmanager_notifications_total', 'alertmanager_notifications_failed_total',
  'alertmanager_notification_requests_total', 'alertmanager_notification_requests_failed_total', 'alertmanager_notification_latency_seconds',
  'alertmanager_cluster_members', 'alertmanager_cluster_enabled', 'alertmanager_peer_position', 'alertmanager_silences',
  'process_start_time_seconds', 'process_resident_memory_bytes',
]);

/**
 * The labels the Prometheus Operator gives the pods of a Prometheus or an Alertmanager resource
 * (its StatefulSets' pod templates), besides `spec.podMetadata.labels`.
 */
export function operatorPodLabels(resource: { kind: string; metadata: { name: string }; spec?: any }): Record<string, string> {
  const name = resource.metadata.name;
  const own = resource.kind === 'Prometheus'
    ? { 'app.kubernetes.io/name': 'prometheus', 'prometheus': name, 'operator.prometheus.io/name': name, 'operator.prometheus.io/shard': '0' }
    : { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': name };
  return { ...resource.spec?.podMetadata?.labels, ...own, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'prometheus-operator' };
}
