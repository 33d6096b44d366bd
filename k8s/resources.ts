/**
 * CPU and memory of a container, and the arithmetic of Kubernetes quantities the checks need.
 */

export interface ResourceList {
  cpu: string;
  memory: string;
}

export interface Resources {
  requests: ResourceList;
  limits: ResourceList;
}

/** Kubernetes resource quantities, e.g. `250m`, `1`, `512Mi`, `1.5Gi` (the API server's own grammar, simplified). */
const QUANTITY = /^([+]?[0-9]+(\.[0-9]+)?|[+]?\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$/;

export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity (`500m` -> 0.5, `1Gi` -> 1073741824), for comparisons only. */
export function quantityValue(quantity: string): number {
  const match = /^([+]?[0-9.]+)(e[0-9]+|[a-zA-Z]*)$/.exec(quantity);
  if (!match) {
    return NaN;
  }
  const [, number, suffix] = match;
  if (suffix.startsWith("e")) {
    return Number(number) * 10 ** Number(suffix.slice(1));
  }
  return Number(number) * (suffix ? (SUFFIX[suffix] ?? NaN) : 1);
}
