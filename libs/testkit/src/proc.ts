import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** CPU time (user + system) process `pid` used so far, seconds, from /proc; 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which may contain spaces: utime is 14th, stime 15th overall.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident set size of process `pid` now, bytes, from /proc; 0 when it is gone. */
export function processRssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
