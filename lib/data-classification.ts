import { IConstruct } from 'constructs';
import { invalidProp } from './shared/errors';
import { checkLabelValue, checkOneOf } from './shared/validation';

/** What data a service holds, from most to least sensitive (PCI DSS scoping). */
export enum DataClassification {
  /** Stores, processes or transmits cardholder data: in PCI DSS scope, segmented from the rest. */
  CARDHOLDER = 'cardholder',
  /** Customer or business data that is not cardholder data. */
  CONFIDENTIAL = 'confidential',
  /** Data meant for the organisation only. */
  INTERNAL = 'internal',
  /** Data that may be published. */
  PUBLIC = 'public',
}

/** The label that carries a workload's {@link DataClassification}, on every object of the service. */
export const DATA_CLASSIFICATION_LABEL = 'fintech.io/data-classification';
/** The label that names the team answerable for a service's data. */
export const OWNER_LABEL = 'fintech.io/owner';

/** The classification and owner labels of a service, checked. */
export function classificationLabels(
  scope: IConstruct, classification: unknown, owner: string | undefined,
): { classification: DataClassification; labels: Record<string, string> } {
  const checked = checkOneOf(scope, 'dataClassification', classification, Object.values(DataClassification),
    'DataClassification.CARDHOLDER, CONFIDENTIAL, INTERNAL or PUBLIC');
  const labels: Record<string, string> = { [DATA_CLASSIFICATION_LABEL]: checked };
  if (owner !== undefined) {
    if (owner === '') throw invalidProp(scope, 'owner', owner, 'must name the team answerable for the data, e.g. "payments"; leave it out for no owner label');
    labels[OWNER_LABEL] = checkLabelValue(scope, 'owner', owner);
  }
  return { classification: checked, labels };
}
