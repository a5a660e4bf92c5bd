export const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$/;

const HEAP_UNIT_MIB: Record<string, number> = { '': 1 / 1048576, k: 1 / 1024, m: 1, g: 1024, t: 1048576 };

/** The maximum heap a JVM option sets (`-Xmx2g`, `-XX:MaxHeapSize=512m`), in MiB; undefined for other options. */
export function maxHeapOptionMi(option: string): number | undefined {
  const m = /^-(?:Xmx|XX:MaxHeapSize=)(\d+)([kKmMgGtT]?)$/.exec(option);
  return m ? Number(m[1]) * HEAP_UNIT_MIB[m[2].toLowerCase()]! : undefined;
}
