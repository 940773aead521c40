/**
 * One contender's server process: `node --import tsx src/server.ts <contender> <engine> <port> <url>`,
 * forked by the runner. It counts SQL statements at the driver and answers `stats` over IPC.
 */
import { installStatementCounter, statements } from './counter.js';

installStatementCounter();

const [name = '', engine = 'postgres', port = '0', url = ''] = process.argv.slice(2);
const { contenderByName } = await import('./contenders/index.js');
const running = await contenderByName(name).start({
  port: Number(port),
  engine: engine as 'postgres' | 'pglite',
  url,
});

process.on('message', async (message: { type: string }) => {
  if (message.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'stats',
      statements: statements.count,
      memory: process.memoryUsage().rss,
      cpuMicros: cpu.user + cpu.system,
    });
  }
  if (message.type === 'stop') {
    await running.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', headers: running.headers ?? {} });
