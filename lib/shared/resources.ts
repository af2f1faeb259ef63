import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';

/** Quantities in one place: typed `Cpu` and `Size` in, Kubernetes quantity strings out. */

/** CPU in millicores, for comparisons (`Cpu.millis(600)` → 600, `Cpu.units(1.5)` → 1500). */
export function cpuMillis(cpu: Cpu): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** `Cpu.millis(1500)` → "1500m", `Cpu.units(2)` → "2". */
export function cpuQuantity(cpu: Cpu): string {
  return cpu.amount;
}

/** Whole mebibytes, shown as Gi when the size is a whole number of gibibytes: "512Mi", "1536Mi", "3Gi". */
export function memoryQuantity(size: Size): string {
  const mebibytes = memoryMiB(size);
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}

export function memoryMiB(size: Size): number {
  return size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
}
