import type { Engine } from './account.js';
import type { VenueHttp } from './server.js';

export function bybitHttp(_o: { engine: Engine; apiKey: string; secret: string; defaultRecvWindow: number }): VenueHttp {
  throw new Error('bybit: not yet');
}
