import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { initLogging, moduleLogger, registerSecrets } from '../../src/util/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('redacts keys and secrets wherever they sit in a log object', () => {
    const out = capture();
    initLogging({ level: 'info', format: 'json', destination: out.stream });
    const log = moduleLogger('venues', { venue: 'okx' });
    log.info({ apiKey: 'AK-1', secret: 'S-1', exchange: { apiKey: 'AK-2', secret: 'S-2', password: 'P-2' }, req: { headers: { 'OK-ACCESS-KEY': 'AK-3' } } }, 'hello');
    const text = JSON.stringify(out.lines());
    for (const s of ['AK-1', 'S-1', 'AK-2', 'S-2', 'P-2', 'AK-3']) expect(text).not.toContain(s);
    const line = out.lines()[0] as Record<string, unknown>;
    expect(line['apiKey']).toBe('[redacted]');
    expect((line['exchange'] as Record<string, unknown>)['secret']).toBe('[redacted]');
    // child loggers carry their module and bindings
    expect(line).toMatchObject({ module: 'venues', venue: 'okx', msg: 'hello' });
  });

  it('respects the configured level', () => {
    const out = capture();
    initLogging({ level: 'warn', format: 'json', destination: out.stream });
    const log = moduleLogger('x');
    log.info('quiet');
    log.warn('loud');
    expect(out.lines().map((l) => l['msg'])).toEqual(['loud']);
  });

  it('censors registered secret values wherever they hide: messages, errors, URLs, escaped JSON', () => {
    const out = capture();
    initLogging({ level: 'info', format: 'json', destination: out.stream });
    const key = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    const quoted = 'pa"ss\\word-42';
    registerSecrets([key, secret, quoted, 'abc', undefined]);
    const log = moduleLogger('venues');
    log.error({ err: new Error(`binance {"code":-2015,"msg":"Invalid API-key ${key}"}`) }, `GET https://x/fapi?signature=1&apiKey=${key}`);
    log.info({ note: `secret=${secret}`, pw: quoted }, 'done');
    // a short value is left alone: it would censor ordinary words
    log.info('abc stays');
    const text = out.lines().map((l) => JSON.stringify(l)).join('\n');
    for (const s of [key, secret, quoted, JSON.stringify(quoted).slice(1, -1)]) expect(text).not.toContain(s);
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('abc stays');
  });
});
