import { ApiObject, App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  AutoscalingOptions, CanaryBackend, CanaryRollout, DataClassification, FintechEnvironment, FintechService, FintechServiceProps, IngressTls, NetworkPeer,
  SecretKeyRef,
} from '../../lib';
import { FINTECH_SERVICE_PROPS } from '../../lib/fintech-service';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN a FintechService or a CanaryRollout with one mistake that type-checks (an image tag the
 * version label cannot hold, a password where a Secret's name or key goes, a second owner of the pod
 * count, a cardholder-data service sending anywhere) WHEN it is synthesized THEN it throws a plain
 * Error naming the construct path, the prop, the value (a possible secret by its length only) and
 * what is valid. Each case builds one Chart.
 */
const S = "FintechService 'prod/payments'";
const C = "CanaryRollout 'prod/payments'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const CANARY_IMAGE = 'registry.fintech.internal/fintech/payments:1.5.0';
const PASSWORD = 'Sup3r$ecret!pw';
const VERSION_LABEL = 'must have a tag that is also a label value (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit):'
  + ' the tag becomes the app.kubernetes.io/version label; shorten the tag or pin the image by digest (...@sha256:<64 hex>)';
const IMAGE_RULE = 'must be an image reference, [registry[:port]/]repository[:tag][@sha256:digest] without a scheme, whose repository path is lowercase letters,'
  + ' digits and single ".", "_" or "-" separators (e.g. "registry.fintech.internal/fintech/payments:1.4.2")';
const CARDHOLDER_ANYWHERE = "lets a cardholder-data service ('dataClassification' CARDHOLDER) send to any address: its external peers must name their CIDRs,"
  + " e.g. NetworkPeer.external('card-network', [{ port: 443 }], '198.51.100.0/24')";
const LOW_PORT = 'must be from 1024 to 65535: the container runs as a non-root user without capabilities, which most container runtimes'
  + ' (containerd 1.x, CRI-O) do not let listen below 1024; listen on e.g. 8080 and give the Service the low port (servicePort: 80)';
const ROLLOUT = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' };
const longTag = `1.4.2-build.${'7'.repeat(60)}`;

/** The message of synthesizing what `build` adds to a Chart 'prod' of a new App (validations included). */
function synthMessage(build: (chart: Chart) => void): string {
  return plainErrorMessage(() => {
    const app = new App();
    build(new Chart(app, 'prod', { namespace: 'fintech-production' }));
    app.synthYaml();
  });
}

const service = (props: object, use: (s: FintechService) => void = () => undefined) =>
  synthMessage((chart) => use(new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ...props })));
const canary = (props: object) => synthMessage((chart) =>
  new CanaryRollout(chart, 'payments', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, replicas: 10, ...props }));

describe('FintechService and CanaryRollout: mistakes that type-check', () => {
  test.each<[string, () => string, string]>([
    ['an image tag longer than a label value', () => service({ image: `registry.fintech.internal/payments:${longTag}` }),
      `${S}: 'image' ("registry.fintech.internal/payments:${longTag}") is invalid: ${VERSION_LABEL}`],
    ['an image tag starting with "_"', () => service({ image: 'registry.fintech.internal/payments:_1.4.2' }),
      `${S}: 'image' ("registry.fintech.internal/payments:_1.4.2") is invalid: ${VERSION_LABEL}`],
    ['an image tag ending with "-"', () => service({ image: 'registry.fintech.internal/payments:1.4.2-' }),
      `${S}: 'image' ("registry.fintech.internal/payments:1.4.2-") is invalid: ${VERSION_LABEL}`],
    ['a canary image whose repository has capitals', () => canary({ canaryImage: 'registry.fintech.internal/Fintech/Payments:1.5.0' }),
      `${C}: 'canaryImage' ("registry.fintech.internal/Fintech/Payments:1.5.0") is invalid: ${IMAGE_RULE}`],
    ['a stable image whose repository has capitals, with Argo Rollouts', () => canary({
      backend: CanaryBackend.ARGO_ROLLOUTS, stableImage: 'registry.fintech.internal/Fintech/Payments:1.4.2',
    }), `${C}: 'stableImage' ("registry.fintech.internal/Fintech/Payments:1.4.2") is invalid: ${IMAGE_RULE}`],
    ['a canary image tag longer than a label value', () => canary({ canaryImage: `registry.fintech.internal/payments:${longTag}` }),
      `${C}: 'canaryImage' ("registry.fintech.internal/payments:${longTag}") is invalid: ${VERSION_LABEL}`],
    ['a password where the Secret name goes', () => service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of(PASSWORD, 'password') } }),
      `${S}: 'secretEnv.DB_PASSWORD.secretName' (a string of 14 characters) is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".",`
      + ' at most 253 characters, starting and ending with a letter or digit'],
    ['a password where the Secret key goes', () => service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of('payments-db', PASSWORD) } }),
      `${S}: 'secretEnv.DB_PASSWORD.key' (a string of 14 characters) is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
    ['a password where the TLS Secret name goes', () => service({ ingress: { host: 'api.example.com', tls: IngressTls.fromSecret(PASSWORD) } }),
      `${S}: 'ingress.tls.secretName' (a string of 14 characters) is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels`
      + ' (lowercase letters, digits or "-", each starting and ending with a letter or digit); it names the Secret, never holds its value'],
    ['the pod count handed to a second workload', () => service({}, (s) => {
      s.delegateScaling(ROLLOUT);
      s.delegateScaling({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'payments-other' });
    }), `${S}: 'scaleTarget' ({"apiVersion":"apps/v1","kind":"StatefulSet","name":"payments-other"}) is invalid: cannot take the pod count:`
      + " Rollout 'payments' (argoproj.io/v1alpha1) already owns it; one workload scales the pods"],
    ['a scale target API group without its version', () => service({}, (s) => s.delegateScaling({ ...ROLLOUT, apiVersion: 'argoproj.io' })),
      `${S}: 'scaleTarget.apiVersion' ("argoproj.io") is invalid: must be an API version: an API group, "/" and a version,`
      + ' e.g. "argoproj.io/v1alpha1" or "apps/v1" (or "v1" for the core group)'],
    ['a cardholder-data service sending to any address', () => service({
      dataClassification: DataClassification.CARDHOLDER, egressTo: [NetworkPeer.external('card-network', [{ port: 443 }])],
    }), `${S}: 'egressTo[0].cidr' ("0.0.0.0/0") is invalid: ${CARDHOLDER_ANYWHERE}`],
    ['a cardholder-data service allowed later to send to any IPv6 address', () => service({
      dataClassification: DataClassification.CARDHOLDER, egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.40.10.0/24')],
    }, (s) => s.allowTo(NetworkPeer.external('card-network', [{ port: 443 }], '::/0'))),
    `${S}: 'egressTo[1].cidr' ("::/0") is invalid: ${CARDHOLDER_ANYWHERE}`],
    ['the container listening on port 80', () => service({ port: 80 }), `${S}: 'port' (80) is invalid: ${LOW_PORT}`],
    ['an extra container port 443', () => service({ extraPorts: [{ name: 'https', containerPort: 443 }] }),
      `${S}: 'extraPorts[0].containerPort' (443) is invalid: ${LOW_PORT}`],
    ['a canary listening on port 80', () => canary({ port: 80 }), `${C}: 'port' (80) is invalid: ${LOW_PORT}`],
    ['a secret as the scale target kind', () => service({}, (s) => s.delegateScaling({ ...ROLLOUT, kind: 'AKIAIOSFODNN7EXAMPLE' })),
      `${S}: 'scaleTarget.kind' (a string of 20 characters) is invalid: looks like a credential (an AWS access key id), and secret values never go into manifests:`
      + ' a kind names a type of object, e.g. "Rollout"'],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });

  test('a value that may be a password is never shown', () => {
    for (const message of [
      service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of(PASSWORD, 'password') } }),
      service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of('payments-db', PASSWORD) } }),
      service({ ingress: { host: 'api.example.com', tls: IngressTls.fromSecret(PASSWORD) } }),
    ]) {
      expect(message).not.toContain(PASSWORD);
    }
  });
});

describe('the inputs beside those mistakes stay valid', () => {
  test('a 63-character tag becomes the version label', () => {
    const app = new App();
    const tag = '7'.repeat(63);
    const svc = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', {
      image: `registry.fintech.internal/payments:${tag}`, port: 8080,
    });
    app.synthYaml();
    expect(svc.deployment.metadata.getLabel('app.kubernetes.io/version')).toBe(tag);
  });

  test('a name with capitals or "_" is shown, as it cannot be a password of punctuation', () => {
    expect(service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of('Payments_DB', 'password') } })).toBe(`${S}: 'secretEnv.DB_PASSWORD.secretName' ("Payments_DB")`
      + ' is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit');
  });

  test('the same scale target twice, and a core-group one, are accepted', () => {
    const app = new App();
    const chart = new Chart(app, 'prod', { namespace: 'fintech-production' });
    const svc = new FintechService(chart, 'payments', { image: IMAGE, port: 8080 });
    svc.delegateScaling(ROLLOUT);
    svc.delegateScaling({ ...ROLLOUT });
    const other = new FintechService(chart, 'ledger', { image: IMAGE, port: 8080 });
    other.delegateScaling({ apiVersion: 'v1', kind: 'ReplicationController', name: 'ledger' });
    app.synthYaml();
    expect(svc.autoscaler!.toJson().spec.scaleTargetRef).toEqual(ROLLOUT);
    expect(other.autoscaler!.toJson().spec.scaleTargetRef).toEqual({ apiVersion: 'v1', kind: 'ReplicationController', name: 'ledger' });
  });

  test('the workload object itself stands for its reference as the scale target', () => {
    const app = new App();
    const chart = new Chart(app, 'prod', { namespace: 'fintech-production' });
    const svc = new FintechService(chart, 'payments', { image: IMAGE, port: 8080 });
    svc.delegateScaling(new ApiObject(chart, 'rollout', { apiVersion: ROLLOUT.apiVersion, kind: ROLLOUT.kind, metadata: { name: 'payments' } }));
    app.synthYaml();
    expect(svc.autoscaler!.toJson().spec.scaleTargetRef).toEqual(ROLLOUT);
  });

  test('a cardholder-data service may send to a named CIDR', () => {
    const app = new App();
    const svc = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', {
      image: IMAGE, port: 8080, dataClassification: DataClassification.CARDHOLDER,
      egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.40.10.0/24')],
    });
    app.synthYaml();
    expect(svc.networkPolicy.toJson().spec.egress[1].to).toEqual([{ ipBlock: { cidr: '10.40.10.0/24' } }]);
  });
});

describe('constructs whose objects name their namespace, in a Chart without one', () => {
  const bare = (build: (chart: Chart) => void) => plainErrorMessage(() => {
    const app = new App();
    build(new Chart(app, 'prod'));
    app.synthYaml();
  });

  test('an Ingress with its HSTS header, which it names as "<namespace>/<name>"', () => {
    expect(bare((chart) => new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') } })))
      .toBe(`${S}: 'ingress.hsts' ("max-age=31536000; includeSubDomains") is invalid: needs the namespace of the Chart 'prod', which has none:`
        + ' the Ingress names its header ConfigMap as "<namespace>/<name>"; give the Chart a namespace (new Chart(app, id, { namespace: \'payments\' }))'
        + ' or turn the header off (hsts: false)');
  });

  test('an Ingress without the header needs no namespace', () => {
    const app = new App();
    const svc = new FintechService(new Chart(app, 'prod'), 'payments', {
      image: IMAGE, port: 8080, ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls'), hsts: false }, metrics: { port: 9090 },
    });
    app.synthYaml();
    expect(svc.responseHeaders).toBeUndefined();
  });

  test('a CanaryRollout, whose analysis and alerts select its metrics by namespace', () => {
    expect(bare((chart) => new CanaryRollout(chart, 'payments', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, replicas: 10 })))
      .toBe(`Validation failed with the following errors:\n  [prod/payments] ${C}: 'namespace' (undefined) is invalid: is not set on the Chart 'prod':`
        + " the canary's analysis and rollback alerts select its metrics by namespace; give the Chart a namespace, e.g. new Chart(app, id, { namespace: 'payments' })");
  });

  test("a service named after the API server's own Service in 'default'", () => {
    expect(bare((chart) => new FintechService(chart, 'kubernetes', { image: IMAGE, port: 8080 })))
      .toBe("FintechService 'prod/kubernetes': 'id' (\"kubernetes\") is invalid: is the API server's own Service in namespace 'default';"
        + ' give the service another name or another namespace');
    expect(bare((chart) => new FintechService(chart, 'api', { name: 'kubernetes', image: IMAGE, port: 8080 })))
      .toBe("FintechService 'prod/api': 'name' (\"kubernetes\") is invalid: is the API server's own Service in namespace 'default';"
        + ' give the service another name or another namespace');
  });
});

describe('props given as instances of the caller\'s own classes', () => {
  class Scaling implements AutoscalingOptions {
    public readonly maxReplicas = 6;
  }
  class PaymentsProps implements FintechServiceProps {
    public readonly image = IMAGE;
    public readonly port = 8080;
    public readonly autoscaling = new Scaling();
  }
  class MisspeltProps extends PaymentsProps {
    public readonly replica = 4;
  }

  test('are read as the options objects they are', () => {
    const app = new App();
    const svc = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', new PaymentsProps());
    app.synthYaml();
    expect([svc.port, svc.minReplicas, svc.maxReplicas]).toEqual([8080, 3, 6]);
  });

  test('a field that is no option is reported as one, as in an object literal', () => {
    expect(synthMessage((chart) => new FintechService(chart, 'payments', new MisspeltProps())))
      .toBe(`${S}: 'props.replica' (a number) is invalid: is not a known option; the options are ${FINTECH_SERVICE_PROPS.join(', ')}`);
  });
});

describe('CanaryRollout: the checks of its service that run at synth time name the rollout and its props', () => {
  const FAILED = 'Validation failed with the following errors:\n  ';
  const app = () => new App();
  const messageOf = (build: (a: App) => void) => plainErrorMessage(() => {
    const a = app();
    build(a);
    a.synthYaml();
  });
  const chart = (a: App, id = 'prod', namespace = 'fintech-production') => new Chart(a, id, { namespace });
  const rollout = { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, replicas: 10 };

  test.each<[string, (a: App) => void, string]>([
    ['a service peer in another namespace', (a) => {
      const gateway = new FintechService(chart(a, 'edge', 'edge'), 'gateway', { image: IMAGE, port: 8080 });
      new CanaryRollout(chart(a), 'payments', { ...rollout, egressTo: [NetworkPeer.service(gateway)] });
    }, `[prod/payments/Service] ${C}: 'egressTo[0]' ("service gateway") is invalid: runs in namespace 'edge', not in 'fintech-production';`
      + " a service peer must be in the same namespace (for pods of another namespace: NetworkPeer.namespace('edge', ports, podLabels))"],
    ['a host and path another service routes', (a) => {
      const c = chart(a);
      new FintechService(c, 'web', { image: IMAGE, port: 8080, ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') }, metrics: { port: 9090 } });
      new CanaryRollout(c, 'payments', { ...rollout, ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') }, metrics: { port: 9090 } });
    }, `[prod/payments/Service] ${C}: 'ingress.host' ("api.example.com") is invalid: with path "/" is already routed by the Ingress of`
      + " FintechService 'prod/web'; ingress-nginx refuses a second Ingress for the same host and path: give this service another host or path"],
    ['the name of a service, taken from the id', (a) => {
      const c = chart(a);
      new FintechService(c, 'svc', { name: 'payments', image: IMAGE, port: 8080 });
      new CanaryRollout(c, 'payments', rollout);
    }, `[prod/payments/Service] ${C}: 'id' ("payments") is invalid: a service of that name already exists in namespace 'fintech-production' (prod/svc);`
      + ' names must be unique'],
  ])('%s', (_name, build, expected) => {
    expect(messageOf(build)).toBe(FAILED + expected);
  });
});

describe('a container above the LimitRange of its namespace\'s FintechEnvironment', () => {
  const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
  const FAILED = 'Validation failed with the following errors:\n  ';
  const withEnvironment = (build: (chart: Chart) => void) => plainErrorMessage(() => {
    const app = new App();
    new FintechEnvironment(new Chart(app, 'environment'), 'production', { namespace: 'fintech-production', quota: QUOTA });
    build(new Chart(app, 'prod', { namespace: 'fintech-production' }));
    app.synthYaml();
  });
  const ABOVE = (max: string, option: string) => `is above the most a container may have in namespace 'fintech-production'`
    + ` (${max}, 'containerLimits.${option}' of FintechEnvironment 'environment/production'): the API server would refuse every pod;`
    + ` lower the limit or raise the environment's ${option}`;

  test.each<[string, (chart: Chart) => void, string]>([
    ['a CPU limit above maxCpu', (chart) => new FintechService(chart, 'payments', { image: IMAGE, port: 8080, resources: { cpu: { limit: Cpu.units(4) } } }),
      `[environment/production] ${S}: 'resources.cpu.limit' ("4") is invalid: ${ABOVE('2', 'maxCpu')}`],
    ['a memory limit above maxMemory', (chart) => new FintechService(chart, 'payments', {
      image: IMAGE, port: 8080, resources: { memory: { limit: Size.gibibytes(8) } },
    }), `[environment/production] ${S}: 'resources.memory.limit' ("8Gi") is invalid: ${ABOVE('4Gi', 'maxMemory')}`],
    ['a canary\'s CPU limit above maxCpu', (chart) => new CanaryRollout(chart, 'payments', {
      stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, replicas: 10, resources: { cpu: { limit: Cpu.units(3) } },
    }), `[environment/production] ${C}: 'resources.cpu.limit' ("3") is invalid: ${ABOVE('2', 'maxCpu')}`],
  ])('%s', (_name, build, expected) => {
    expect(withEnvironment(build)).toBe(FAILED + expected);
  });

  test('limits at the maximum, or in a namespace without an environment of the app, are accepted', () => {
    const app = new App();
    new FintechEnvironment(new Chart(app, 'environment'), 'production', { namespace: 'fintech-production', quota: QUOTA });
    new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', {
      image: IMAGE, port: 8080, resources: { cpu: { limit: Cpu.units(2) }, memory: { limit: Size.gibibytes(4) } },
    });
    new FintechService(new Chart(app, 'other', { namespace: 'other' }), 'payments', { image: IMAGE, port: 8080, resources: { cpu: { limit: Cpu.units(8) } } });
    expect(() => app.synthYaml()).not.toThrow();
  });
});
