import { IConstruct } from 'constructs';

/** What other constructs need to know about a service to talk to it. */
export interface RegisteredService {
  readonly name: string;
  readonly namespace: string;
  /** Container ports, by name. */
  readonly containerPorts: ReadonlyMap<string, number>;
  /** The construct that defines the service. */
  readonly construct: IConstruct;
}

/**
 * Services known per app and namespace, so that a network policy peer can be named before the
 * service it names is defined, and checked at synth time. Keyed by the app (the tree's root)
 * so separate apps never see each other's services.
 */
const registries = new WeakMap<IConstruct, Map<string, RegisteredService>>();

function registryOf(scope: IConstruct): Map<string, RegisteredService> {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) {
    registry = new Map();
    registries.set(root, registry);
  }
  return registry;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export function registerService(scope: IConstruct, service: RegisteredService): void {
  registryOf(scope).set(key(service.namespace, service.name), service);
}

export function findService(scope: IConstruct, namespace: string, name: string): RegisteredService | undefined {
  return registryOf(scope).get(key(namespace, name));
}

export function serviceNamesIn(scope: IConstruct, namespace: string): string[] {
  return [...registryOf(scope).values()].filter((s) => s.namespace === namespace).map((s) => s.name).sort();
}
