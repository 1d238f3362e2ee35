import { Presets, SingleBar } from 'cli-progress';
import type { CliContext } from './context.js';

/** A progress display over a stream's sequence numbers, or over a count. */
export interface Progress {
  /** The message with stream sequence `seq` was handled (a counter: `seq` things are done). */
  update(seq: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on the terminal from the first handled sequence to
 * `lastSeq` (the stream's last when reading began); nothing at all when
 * standard error is not a terminal, so pipes, files and tests stay clean.
 */
export function startProgress(ctx: CliContext, label: string, lastSeq: number): Progress {
  const terminal = ctx.terminal;
  if (!terminal || lastSeq <= 0) return silent;
  const bar = new SingleBar(
    { stream: terminal, format: `${label} [{bar}] {percentage}% | seq {seq} of {last} | {eta_formatted} left`, hideCursor: true, etaBuffer: 200, fps: 5 },
    Presets.shades_classic,
  );
  let first: number | undefined;
  return {
    update: (seq) => {
      if (first === undefined) {
        first = seq;
        bar.start(Math.max(1, lastSeq - first + 1), 0, { seq, last: lastSeq });
      }
      bar.update(seq - first + 1, { seq, last: lastSeq });
    },
    stop: () => {
      if (first !== undefined) bar.stop();
    },
  };
}

/**
 * A progress bar on the terminal counting from 0 to `total` (values past it
 * show as `total`); nothing at all when standard error is not a terminal.
 * `noun` names what is counted.
 */
export function startCounter(ctx: CliContext, label: string, total: number, noun: string): Progress {
  const terminal = ctx.terminal;
  if (!terminal || total <= 0) return silent;
  const bar = new SingleBar(
    { stream: terminal, format: `${label} [{bar}] {percentage}% | {value} of {total} ${noun} | {eta_formatted} left`, hideCursor: true, etaBuffer: 200, fps: 5 },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (count) => bar.update(Math.min(count, total)),
    stop: () => bar.stop(),
  };
}
