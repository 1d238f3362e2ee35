import { Presets, SingleBar } from 'cli-progress';
import type { CliContext } from '../context.js';

/** A progress display over a stream's sequence numbers. */
export interface Progress {
  /** The message with stream sequence `seq` was handled. */
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
