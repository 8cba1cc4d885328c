/** A one-line progress bar on a terminal stream; silent when the stream is not a terminal. */
export function progressBar(
  stream: NodeJS.WriteStream,
  label: string,
): {
  update(done: number, total: number): void;
  end(): void;
} {
  const enabled = Boolean(stream.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      if (!enabled || total < 20) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
