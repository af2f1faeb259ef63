import { App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { DeliveryTier, FintechService, IDeliverable, NetworkPeer } from '../lib';
import { deliveryWaves, planDelivery, synthesizePlan, wavesOf } from '../lib/tools';

class Data extends Construct implements IDeliverable {
  public readonly deliveryTier = DeliveryTier.DATA;
  public deliveryDependencies(): IConstruct[] {
    return [];
  }
}

function serviceChart(app: App, name: string): Chart {
  const chart = new Chart(app, name, { namespace: 'shop' });
  new FintechService(chart, name, { image: `registry.example.com/${name}:1.0.0`, port: 8080 });
  return chart;
}

/** The service of `caller`'s chart calls those of `callees`' charts. */
function calls(caller: Chart, ...callees: Chart[]): void {
  const service = (chart: Chart) => chart.node.findAll().find((c): c is FintechService => c instanceof FintechService)!;
  for (const callee of callees) service(caller).allowTo(NetworkPeer.service(service(callee)));
}

describe('deliveryWaves', () => {
  test('data first, then each service after the services it calls, whatever the order of definition', () => {
    const app = new App();
    const gateway = serviceChart(app, 'gateway');
    const orders = serviceChart(app, 'orders');
    const users = serviceChart(app, 'users');
    calls(gateway, orders, users);
    calls(orders, users);
    const data = new Chart(app, 'data');
    new Data(data, 'db');
    const plain = new Chart(app, 'plain');
    const waves = deliveryWaves([gateway, orders, users, data, plain]);
    expect([waves.get(data), waves.get(users), waves.get(orders), waves.get(gateway)]).toEqual([1, 2, 3, 4]);
    expect(waves.get(plain)).toBe(DeliveryTier.SERVICES);
  });

  test('services that call each other are ordered without looping', () => {
    const app = new App();
    const a = serviceChart(app, 'a');
    const b = serviceChart(app, 'b');
    calls(a, b);
    calls(b, a);
    const waves = deliveryWaves([a, b]);
    expect(Math.abs(waves.get(a)! - waves.get(b)!)).toBeLessThanOrEqual(1);
    expect([...waves.values()].every((w) => w >= DeliveryTier.SERVICES)).toBe(true);
  });
});

describe('planDelivery', () => {
  function shop(): App {
    const app = new App();
    calls(serviceChart(app, 'gateway'), serviceChart(app, 'users'));
    new Data(new Chart(app, 'data'), 'db');
    return app;
  }

  test('one plan: environments, their waves, the charts of each wave; a folder without waves keeps its charts in one go', () => {
    const plan = planDelivery([{ folder: 'staging', app: shop() }, { folder: 'flat', app: shop(), waves: false }]);
    const [staging, flat] = plan.folders;
    expect(staging.waves!.map((w) => [w.wave, w.charts.map((c) => c.node.id)])).toEqual([[1, ['data']], [2, ['users']], [3, ['gateway']]]);
    expect(wavesOf(staging)).toEqual([1, 2, 3]);
    expect([flat.waves, wavesOf(flat), flat.charts.map((c) => c.node.id)]).toEqual([undefined, [], ['gateway', 'users', 'data']]);
  });

  test('the folders written and the sync-wave annotations come from the same plan', () => {
    const plan = planDelivery([{ folder: 'staging', app: shop() }]);
    const files = synthesizePlan(plan);
    for (const { wave, charts } of plan.folders[0].waves!) {
      for (const chart of charts) {
        const file = files.find((f) => f.path === `staging/wave-${wave}/${chart.node.id}.yaml`)!;
        expect(file.objects!.map((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'])).toEqual(file.objects!.map(() => String(wave)));
      }
    }
    expect(files.map((f) => f.path).filter((p) => p.endsWith('kustomization.yaml'))).toEqual(
      ['staging/wave-1/kustomization.yaml', 'staging/wave-2/kustomization.yaml', 'staging/wave-3/kustomization.yaml', 'staging/kustomization.yaml']);
  });
});
