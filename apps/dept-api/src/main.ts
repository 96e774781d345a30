import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ConfigError } from '@app/config';
import type { AppConfig } from '@app/config';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApp();
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  await app.listen({ port: config.port, host: config.host });
  new Logger('dept-api').log(`${config.name} listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((err: unknown) => {
  // A configuration mistake gets its message, not a stack trace.
  if (err instanceof ConfigError) console.error(`dept-api: ${err.message}`);
  else console.error('dept-api failed to start:', err);
  process.exit(1);
});
