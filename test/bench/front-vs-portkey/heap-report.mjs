// Preloaded into the front by the front-memory benchmark (with --expose-gc): on the IPC message 'heap', collects
// garbage twice and answers with the process's memory, so the benchmark can tell live memory from garbage not
// yet collected.
process.on('message', (m) => {
  if (m !== 'heap') return;
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  process.send?.({ heap: { rss, heapUsed, heapTotal } });
});
