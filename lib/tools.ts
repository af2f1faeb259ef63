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
export type { OutputFile, Synthesis } from './synth';
export {
  compareOutput, objectsOf, SYNC_WAVE_ANNOTATION, synthesize, synthesizeFolders, synthesizePlan, validateApp, waveFolder, writeFileAtomically, writeOutput,
} from './synth';
export type { DeliveryPlan, FolderPlan, OutputFolder, WavePlan } from './delivery';
export { deliveryWaves, planDelivery, wavesOf } from './delivery';
export type { EnvironmentResources, GroupKind } from './gitops';
export { environmentResources } from './gitops';

// Cardholder-data scope and network segmentation
export type { AllowedEdge, ContainerPort, Endpoint, ScopeEntrance, SegmentationResult } from './segmentation';
export { analyseSegmentation, NetworkModel, segmentationMarkdown } from './segmentation';

// Capacity planning
export type {
  CapacityPoint, Consumer, ContainerCapacity, ContainerLimitRange, CpuMemory, NamespaceCapacity, NamespaceCapacityInput, ResourceName,
  ResourceTotals, WorkloadCapacity,
} from './capacity';
export {
  assertCapacity, capacityInputs, capacityMarkdown, capacityTable, checkCapacity, formatResource, planCapacity, RESOURCE_NAMES,
} from './capacity';

// Differences between two outputs
export type { FieldChange, ResourceChange, ResourceChangeFormatOptions, ResourceIdentity } from './resource-diff';
export { diffFields, diffResources, formatResourceChanges, identityLabel, readOutputFiles, resourceIdentity } from './resource-diff';
