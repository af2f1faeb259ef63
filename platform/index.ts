// The reference platform as typed data: environments, the service catalogue, backups,
// monitoring, the declared entrances into the cardholder-data scope, the releases in progress and
// where GitOps reads them. main.ts wires it into Apps.
export * from './backups';
export * from './environments';
export * from './monitoring';
export * from './releases';
export * from './segmentation';
export * from './services';
