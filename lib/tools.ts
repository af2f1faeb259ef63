/**
 * Tools that work on synthesized output rather than build it: synthesis into delivery-wave
 * folders with kustomizations, atomic writing and comparison of an output folder, capacity
 * planning against ResourceQuotas and LimitRanges, and an object-by-object diff of two outputs.
 *
 * ```ts
 * import { synthesizeFolders, writeOutput } from 'cdk8s-fintech/tools';
 * writeOutput(synthesizeFolders([{ folder: 'production', app }]), 'dist');
 * ```
 *
 * @module cdk8s-fintech/tools
 */

// Synthesis and output
export type { OutputFile, OutputFolder } from './synth';
export {
  compareOutput, foldersWaves, objectsOf, SYNC_WAVE_ANNOTATION, synthesizeFolders, validateApp, waveFolder, writeFileAtomically, writeOutput,
} from './synth';
export { deliveryWaves } from './delivery';

// Capacity planning
export type { CapacityPoint, Consumer, NamespaceCapacity, ResourceName, ResourceTotals } from './capacity';
export { assertCapacity, capacityMarkdown, capacityTable, formatResource, planCapacity, RESOURCE_NAMES } from './capacity';

// Differences between two outputs
export type { FieldChange, ResourceChange, ResourceChangeFormatOptions, ResourceIdentity } from './resource-diff';
export { diffFields, diffResources, formatResourceChanges, identityLabel, readOutputFiles, resourceIdentity } from './resource-diff';
