export * from './autoscaling';
export * from './canary-rollout';
export * from './environment';
export * from './fintech-service';
export * from './network-peer';
export * from './probes';
export * from './secret-key-ref';
export * from './synth';
