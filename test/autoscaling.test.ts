import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AutoscalingOptions, createHorizontalAutoscaler, createVerticalAutoscaler, ReplicaBounds, replicaBounds, VerticalAutoscalingOptions,
} from '../lib/autoscaling';
import { newChart, only, synth } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

const SCOPE = "Construct 'prod/svc'";
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'svc' };

function scope(): Construct {
  return new Construct(newChart(), 'svc');
}

describe('replicaBounds', () => {
  test.each<[string, number, AutoscalingOptions | undefined, ReplicaBounds]>([
    ['autoscaling off: the fixed count', 3, undefined, { min: 3, max: 3 }],
    ['defaults: from the replicas up to 10', 3, {}, { min: 3, max: 10 }],
    ['a minimum above 10 raises the default maximum to it', 3, { minReplicas: 12 }, { min: 12, max: 12 }],
    ['explicit bounds', 3, { minReplicas: 2, maxReplicas: 6 }, { min: 2, max: 6 }],
  ])('%s', (_, replicas, autoscaling, bounds) => {
    expect(replicaBounds(scope(), replicas, autoscaling)).toEqual(bounds);
  });

  test.each<[string, AutoscalingOptions, string]>([
    ['a minimum above the maximum', { minReplicas: 5, maxReplicas: 4 },
      `${SCOPE}: 'autoscaling.minReplicas' (5) is invalid: must not exceed 'autoscaling.maxReplicas' (4)`],
    ['a fractional maximum', { maxReplicas: 2.5 }, `${SCOPE}: 'autoscaling.maxReplicas' (2.5) is invalid: must be an integer of at least 1`],
    ['an unknown option', { maxReplica: 4 } as AutoscalingOptions, `${SCOPE}: 'autoscaling.maxReplica' (a number) is invalid: is not a known option; `
      + 'the options are minReplicas, maxReplicas, cpuUtilizationPercent, memoryUtilizationPercent, scaleUp, scaleDown'],
  ])('refuses %s', (_, autoscaling, message) => {
    expect(() => replicaBounds(scope(), 3, autoscaling)).toThrow(message);
  });
});

describe('createHorizontalAutoscaler', () => {
  test('renders the bounds and the target in force at synth time, not at construction', () => {
    const chart = newChart();
    let bounds: ReplicaBounds = { min: 3, max: 10 };
    let target = DEPLOYMENT;
    createHorizontalAutoscaler(new Construct(chart, 'svc'), { name: 'svc' }, {}, () => bounds, () => target);
    bounds = { min: 2, max: 9 };
    target = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'svc' };
    const hpa = only(synth(chart), 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 9, scaleTargetRef: target });
    expect(validateManifest(hpa)).toEqual([]);
  });

  test('scales on CPU (70 %) and memory (80 %) of the requests by default', () => {
    const chart = newChart();
    createHorizontalAutoscaler(new Construct(chart, 'svc'), { name: 'svc' }, {}, () => ({ min: 3, max: 10 }), () => DEPLOYMENT);
    expect(only(synth(chart), 'HorizontalPodAutoscaler').spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });
});

describe('createVerticalAutoscaler', () => {
  function vpa(options: VerticalAutoscalingOptions, withHpa: boolean): any {
    const chart = newChart();
    createVerticalAutoscaler(new Construct(chart, 'svc'), { name: 'svc' }, DEPLOYMENT, 'svc', options, withHpa);
    return only(synth(chart), 'VerticalPodAutoscaler');
  }

  test('only recommends beside an HPA on the same metrics, applies its values without one', () => {
    expect(vpa({}, true).spec.updatePolicy).toEqual({ updateMode: 'Off' });
    expect(vpa({}, false).spec.updatePolicy).toEqual({ updateMode: 'Auto' });
  });

  test('bounds the container between the defaults, and the output is valid against the VPA CRD', () => {
    const object = vpa({ maxMemory: Size.gibibytes(1) }, false);
    expect(object.spec.resourcePolicy.containerPolicies).toEqual([{
      containerName: 'svc', controlledValues: 'RequestsAndLimits',
      minAllowed: { cpu: '100m', memory: '50Mi' }, maxAllowed: { cpu: '1', memory: '1Gi' },
    }]);
    expect(validateManifest(object)).toEqual([]);
  });

  test('refuses a minimum above the maximum', () => {
    expect(() => vpa({ minCpu: Cpu.units(2) }, false))
      .toThrow(`${SCOPE}: 'verticalAutoscaling.minCpu' ("2") is invalid: must not exceed 'verticalAutoscaling.maxCpu' (1)`);
  });
});
