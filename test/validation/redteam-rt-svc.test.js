// Plain JavaScript, as a caller without type checking writes it: sizes made from strings, which
// cdk8s keeps as strings and then compares as strings ("900" > "1000"), and other values of the
// wrong type. Every error names the construct's path and the prop the value was given in.
const { Chart, Size } = require('cdk8s');
const { Cpu } = require('cdk8s-plus-28');
const { appSynthMessage } = require('../support/errors');
const { FintechEnvironment, FintechService, IngressTls } = require('../../lib');
const { FINTECH_SERVICE_PROPS } = require('../../lib/fintech-service');

const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const S = "FintechService 'prod/payments'";
const E = "FintechEnvironment 'environment/production'";
const FROM_STRING = 'must be a Size made from a number, not from a string: Size.mebibytes(512) rather than Size.mebibytes("512")';
const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };

const messageOf = appSynthMessage;

const service = (props) => messageOf((app) => new FintechService(new Chart(app, 'prod'), 'payments', { image: IMAGE, port: 8080, ...props }));
const environment = (props) => messageOf((app) => new FintechEnvironment(new Chart(app, 'environment'), 'production', {
  namespace: 'fintech-production', quota: QUOTA, ...props,
}));

describe('sizes made from strings', () => {
  test.each([
    ['a memory request over its limit, both from strings', () => service({
      resources: { memory: { request: Size.mebibytes('1000'), limit: Size.mebibytes('900') } },
    }), `${S}: 'resources.memory.request' ("1000") is invalid: ${FROM_STRING}`],
    ['a valid memory request from a string', () => service({ resources: { memory: { request: Size.mebibytes('900') } } }),
      `${S}: 'resources.memory.request' ("900") is invalid: ${FROM_STRING}`],
    ['a vertical autoscaling bound from a string', () => service({ verticalAutoscaling: { maxMemory: Size.mebibytes('500') } }),
      `${S}: 'verticalAutoscaling.maxMemory' ("500") is invalid: ${FROM_STRING}`],
    ['an Ingress body size from a string', () => service({
      ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('payments-tls'), maxBodySize: Size.mebibytes('10') },
    }), `${S}: 'ingress.maxBodySize' ("10") is invalid: ${FROM_STRING}`],
    ['a quota from strings', () => environment({ quota: { ...QUOTA, requestsMemory: Size.gibibytes('9'), limitsMemory: Size.gibibytes('10') } }),
      `${E}: 'quota.requestsMemory' ("9") is invalid: ${FROM_STRING}`],
    ['a container limit from a string', () => environment({ containerLimits: { maxMemory: Size.gibibytes('4') } }),
      `${E}: 'containerLimits.maxMemory' ("4") is invalid: ${FROM_STRING}`],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});

describe('other values of the wrong JavaScript type', () => {
  const withService = (use) => messageOf((app) => use(new FintechService(new Chart(app, 'prod'), 'payments', { image: IMAGE, port: 8080 })));

  test.each([
    ['a number as the scale target API version', () => withService((s) => s.delegateScaling({ apiVersion: 1, kind: 'Rollout', name: 'payments' })),
      `${S}: 'scaleTarget.apiVersion' (1) is invalid: must be a string, not a number, e.g. "argoproj.io/v1alpha1"`],
    ['a port as a string with a low number', () => service({ port: '80' }), `${S}: 'port' ("80") is invalid: must be a finite number, not a string`],
    ['props as an instance of a class with a misspelt field', () => {
      class Props { constructor() { this.image = IMAGE; this.port = 8080; this.replica = 3; } }
      return messageOf((app) => new FintechService(new Chart(app, 'prod'), 'payments', new Props()));
    }, `${S}: 'props.replica' (a number) is invalid: is not a known option; the options are ${FINTECH_SERVICE_PROPS.join(', ')}`],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});
