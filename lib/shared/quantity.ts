/**
 * Kubernetes resource quantities as numbers: CPU in millicores, everything else in base units
 * (bytes for memory, a count for pods).
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
/** Kubernetes' quantity grammar: a signed decimal number, then a binary or decimal SI suffix or an exponent. */
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

/** Whether Kubernetes accepts `quantity` as a resource quantity ("500m", "2", "512Mi", "1e3"; not "1GB", "1 Gi", "-"). */
export function isQuantity(quantity: string): boolean {
  return typeof quantity === 'string' && QUANTITY.test(quantity);
}

/** "1536Mi" → 1610612736, "500m" → 0.5, "2" → 2. Throws on anything Kubernetes would not accept. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = typeof quantity === 'string' ? QUANTITY.exec(quantity.trim()) : null;
  if (!match) throw new Error(`'${quantity}' is not a Kubernetes quantity (e.g. "500m", "2", "512Mi", "1Gi")`);
  const suffix = match[2] ?? '';
  const multiplier = suffix === '' ? 1 : /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : BINARY[suffix] ?? DECIMAL[suffix];
  return Number(match[1]) * multiplier;
}

/** CPU in whole millicores. */
export function parseCpuMillis(quantity: string | number): number {
  return Math.round(parseQuantity(quantity) * 1000);
}

/** Millicores for people: "250m", "1.5", "16". */
export function formatCpu(millis: number): string {
  return millis < 1000 ? `${millis}m` : String(Math.round(millis) / 1000);
}

/** Bytes for people, in the largest binary unit that keeps one decimal: "1.5Gi", "512Mi". */
export function formatBytes(bytes: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const value = bytes / BINARY[unit];
    if (value >= 1) return `${Math.round(value * 10) / 10}${unit}`;
  }
  return String(bytes);
}
