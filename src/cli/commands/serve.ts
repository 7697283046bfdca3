import { suggestSetting, type Config } from '../../config/config.js';
import { coerceError } from '../../domain/errors.js';
import { compose } from '../../compose.js';
import { startService } from '../../service.js';

/** Runs until SIGTERM/SIGINT; a second signal exits at once. */
export async function serveCommand(config: Config, unknownSettings: string[] = []): Promise<void> {
  const running = await startService(await compose(config), { unknownSettings });
  // Most likely a typo (POLICE_EXPORT_ULR): the setting it meant is at its default.
  if (unknownSettings.length) {
    running.service.ctx.logger.warn('settings that are not read were given', {
      component: 'config',
      variables: unknownSettings,
      didYouMean: Object.fromEntries(unknownSettings.map((name) => [name, suggestSetting(name)]).filter(([, meant]) => meant)),
    });
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      running.service.ctx.logger.warn('second signal: exiting at once', { signal });
      process.exit(130);
    }
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.service.ctx.logger.error('shutdown failed', { error: coerceError(error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
