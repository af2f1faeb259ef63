import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { Alertmanager } from '../../imports/alertmanagers-monitoring.coreos.com';
import type { Prometheus } from '../../imports/prometheuses-monitoring.coreos.com';
import type { FintechService } from '../fintech-service';
import { serviceLabels } from '../shared/labels';
import type { KubeStateMetrics } from './kube-state-metrics';
import type { LabelSelector } from './prometheus';
import type { BurnRateWindow, ServiceLevelObjective } from './slo';

/**
 * What the stack's concern modules read of the stack they build for: its resolved settings.
 * The objects they create are children of the stack, so their errors name the stack's path.
 */
export interface MonitoringScope extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly environment?: string;
  readonly scrapeInterval: Duration;
  readonly evaluationInterval: Duration;
  readonly discoveryLabels: Record<string, string>;
  readonly runbookBaseUrl?: string;
  readonly services: readonly FintechService[];
  readonly serviceNamespaces: readonly string[];
  readonly objectives: ReadonlyMap<string, readonly ServiceLevelObjective[]>;
  readonly burnRateWindows: readonly BurnRateWindow[];
  readonly serviceMonitorSelector: LabelSelector;
  readonly ruleSelector: LabelSelector;
  readonly namespaceSelector: LabelSelector;
}

/** The pods the stack runs itself; each undefined when the cluster's is used. */
export interface StackParts {
  readonly prometheus?: Prometheus;
  readonly alertmanager?: Alertmanager;
  readonly kubeStateMetrics?: KubeStateMetrics;
}

const PLATFORM_LABELS = serviceLabels('-', '-');

/** The label every object of the platform carries; the default discovery label. */
export const PART_OF: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': PLATFORM_LABELS['app.kubernetes.io/part-of'] };

/** The labels of the stack's objects: the platform's label set and the discovery labels. */
export function stackLabels(stack: MonitoringScope, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/instance': stack.name,
    'app.kubernetes.io/component': 'monitoring',
    'app.kubernetes.io/part-of': PLATFORM_LABELS['app.kubernetes.io/part-of'],
    'app.kubernetes.io/managed-by': PLATFORM_LABELS['app.kubernetes.io/managed-by'],
    ...stack.discoveryLabels,
  };
}
