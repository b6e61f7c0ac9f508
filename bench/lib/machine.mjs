// The machine line every bench run prints first: results only compare within one run on one machine.
import {cpus, loadavg, totalmem} from 'node:os';

/** CPU model, cores, RAM, Node version and date, as an object and as one printable line. */
export function machineInfo() {
  const list = cpus();
  const info = {
    cpu: list[0]?.model.trim() ?? 'unknown CPU',
    cores: list.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    // Other work on the machine skews every figure: a load above the core count means it was busy.
    load1m: Math.round(loadavg()[0] * 100) / 100,
  };
  const line = `machine: ${info.cpu}, ${info.cores} cores, ${info.ramGiB} GiB RAM, Node ${info.node}, ${info.platform}, ${info.date}, load ${info.load1m}`;
  return {info, line};
}
