import { App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { DeliveryTier, FintechService, IDeliverable, NetworkPeer } from '../lib';
import { deliveryWaves } from '../lib/tools';

class Data extends Construct implements IDeliverable {
  public readonly deliveryTier = DeliveryTier.DATA;
  public deliveryDependencies(): IConstruct[] {
    return [];
  }
}

function serviceChart(app: App, name: string, egressTo: string[] = []): Chart {
  const chart = new Chart(app, name, { namespace: 'shop' });
  new FintechService(chart, name, {
    image: `registry.example.com/${name}:1.0.0`, port: 8080, egressTo: egressTo.map((n) => NetworkPeer.service(n)),
  });
  return chart;
}

describe('deliveryWaves', () => {
  test('data first, then each service after the services it calls, whatever the order of definition', () => {
    const app = new App();
    const gateway = serviceChart(app, 'gateway', ['orders', 'users']);
    const orders = serviceChart(app, 'orders', ['users']);
    const users = serviceChart(app, 'users');
    const data = new Chart(app, 'data');
    new Data(data, 'db');
    const plain = new Chart(app, 'plain');
    const waves = deliveryWaves([gateway, orders, users, data, plain]);
    expect([waves.get(data), waves.get(users), waves.get(orders), waves.get(gateway)]).toEqual([1, 2, 3, 4]);
    expect(waves.get(plain)).toBe(DeliveryTier.SERVICES);
  });

  test('services that call each other are ordered without looping', () => {
    const app = new App();
    const a = serviceChart(app, 'a', ['b']);
    const b = serviceChart(app, 'b', ['a']);
    const waves = deliveryWaves([a, b]);
    expect(Math.abs(waves.get(a)! - waves.get(b)!)).toBeLessThanOrEqual(1);
    expect([...waves.values()].every((w) => w >= DeliveryTier.SERVICES)).toBe(true);
  });
});
