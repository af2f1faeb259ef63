import { PrometheusRule } from '../../imports/prometheusrules-monitoring.coreos.com';
import type { FintechService } from '../fintech-service';
import { checkUnique } from '../shared/validation';
import { checkRuleGroup, renderRuleGroup, RuleGroup, serviceAlertSettings, serviceAlertRules, workloadAlertRules } from './alert-rules';
import { MonitoringScope, stackLabels } from './context';
import type { ServiceMonitoringOptions } from './services';
import { sloRuleGroup } from './slo';

/**
 * The stack's PrometheusRules, next to what they watch: per service its platform alerts and SLO
 * rules, per service namespace the workload alerts. Each group is checked before it is rendered.
 */

/** A PrometheusRule for `groups`, each checked (unique alert names, known severities, runbooks). */
export function ruleObject(stack: MonitoringScope, id: string, name: string, namespace: string, groups: RuleGroup[]): PrometheusRule {
  checkUnique(stack, `rule groups of ${namespace}/${name}`, groups.map((g) => g.name));
  groups.forEach((g) => checkRuleGroup(stack, `rules.${g.name}`, g));
  return new PrometheusRule(stack, id, {
    metadata: { name, namespace, labels: stackLabels(stack, 'prometheus-rules') },
    spec: { groups: groups.map(renderRuleGroup) },
  });
}

/** A service's platform alerts and, with objectives, its SLO rules, next to the service. */
export function serviceRuleObject(stack: MonitoringScope, svc: FintechService, options: ServiceMonitoringOptions): PrometheusRule {
  const settings = serviceAlertSettings(stack, `serviceOptions.${svc.name}`, options);
  const groups: RuleGroup[] = [{ name: `${svc.name}-alerts`, rules: serviceAlertRules(svc, settings, stack.runbookBaseUrl) }];
  const slos = stack.objectives.get(svc.name)!;
  if (slos.length > 0) groups.push(sloRuleGroup(svc, slos, stack.burnRateWindows, stack.runbookBaseUrl));
  return ruleObject(stack, `Rules-${svc.name}`, `${svc.name}-alerts`, svc.namespace, groups);
}

/** The workload alerts of a services' namespace. */
export function workloadRuleObject(stack: MonitoringScope, namespace: string): PrometheusRule {
  return ruleObject(stack, `WorkloadRules-${namespace}`, `${stack.name}-workloads`, namespace,
    [{ name: `${stack.name}-workloads`, rules: workloadAlertRules(namespace, stack.runbookBaseUrl) }]);
}
