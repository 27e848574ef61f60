/**
 * The short human text of an alert for chat sinks (Telegram, Discord, Slack) and the log:
 * what happened, the numbers, the exact thing to do, the next funding, and which position.
 *
 *   🟠 WARNING · BTC carry on deribit drifted 9.1% long
 *   Spot 1.000 BTC vs perp 0.909 BTC short (30,000 USD at 33,000).
 *   Do: buy 3 BTC-PERPETUAL contracts on deribit
 *   Next funding: 2026-08-09 16:00 UTC (in 2h 15m)
 *   delta drift · position pos-7 · deribit BTC/USD:BTC · 2026-08-09 13:45 UTC
 *
 * `alert.message` carries the numbers; the actions and next funding are rendered here from
 * their structured fields (an action whose text the message already holds is not repeated).
 * A resolved alert never shows actions or funding: nothing is left to do.
 * Pure: times are rendered relative to the alert's own `ts`, never the wall clock.
 */
import type { Alert, AlertKind, Severity } from '../domain/alert.js';
import type { Notice } from './sinks/sink.js';

export type TextStyle = 'plain' | 'slack' | 'discord';

export interface RenderOptions {
  readonly style?: TextStyle;
  readonly notice?: Notice;
  /** Longest text the platform takes; the message part is shortened first. */
  readonly maxLength?: number;
}

/** Platform limits: Telegram sendMessage 4096, Discord content 2000; Slack advises under 4000. */
export const MAX_TEXT = { telegram: 4096, discord: 2000, slack: 4000 } as const;

const KIND_LABEL: Readonly<Record<AlertKind, string>> = {
  delta_drift: 'delta drift',
  margin: 'margin',
  funding_flip: 'funding flip',
  funding_below_exit: 'funding below exit',
  interval_change: 'funding interval change',
  basis: 'basis',
  stale_data: 'stale data',
  venue_down: 'venue down',
  missed_ticks: 'missed ticks',
  funding_mismatch: 'funding mismatch',
  trading_state: 'trading state',
  test: 'test',
};

const SEVERITY_HEAD: Readonly<Record<Severity, string>> = {
  info: 'ℹ️ INFO',
  warning: '🟠 WARNING',
  critical: '🔴 CRITICAL',
};

export function headline(alert: Alert, notice?: Notice): string {
  const head = alert.status === 'resolved' ? '✅ RESOLVED' : alert.kind === 'test' ? '🧪 TEST' : SEVERITY_HEAD[alert.severity];
  const tag = notice === 'reminder' ? ' (still firing)' : notice === 'escalated' ? ' (escalated)' : '';
  return `${head}${tag} · ${alert.title}`;
}

/** The lines after the headline and message: actions, next funding, footer. */
function detailLines(alert: Alert): string[] {
  const lines: string[] = [];
  if (alert.status === 'firing') {
    const todo = alert.actions.map((a) => a.text).filter((t) => t !== '' && !alert.message.includes(t));
    if (todo.length === 1) lines.push(`Do: ${todo[0]}`);
    else if (todo.length > 1) lines.push('Do, in this order:', ...todo.map((t, i) => `${i + 1}. ${t}`));
    if (alert.nextFundingTime !== null && Number.isFinite(alert.nextFundingTime)) {
      lines.push(`Next funding: ${utcMinute(alert.nextFundingTime)} (${relative(alert.nextFundingTime - alert.ts)})`);
    }
  }
  lines.push(footer(alert));
  return lines;
}

function footer(alert: Alert): string {
  const parts = [KIND_LABEL[alert.kind] ?? alert.kind];
  if (alert.positionId !== null) parts.push(`position ${alert.positionId}`);
  const where = [alert.venue, alert.symbol].filter((x): x is string => x !== null).join(' ');
  if (where !== '') parts.push(where);
  parts.push(utcMinute(alert.ts));
  return parts.join(' · ');
}

export function renderText(alert: Alert, opts: RenderOptions = {}): string {
  const style = opts.style ?? 'plain';
  const esc = escaper(style);
  const head = esc(headline(alert, opts.notice));
  const boldHead = style === 'slack' ? `*${head}*` : style === 'discord' ? `**${head}**` : head;
  const tail = detailLines(alert).map(esc);
  let message = esc(alert.message.trim());
  const join = (m: string) => [boldHead, ...(m === '' ? [] : [m]), ...tail].join('\n');
  let text = join(message);
  const max = opts.maxLength;
  if (max !== undefined && text.length > max) {
    const room = max - (text.length - message.length) - 1;
    message = room > 0 ? message.slice(0, room) + '…' : '';
    text = join(message);
    if (text.length > max) text = text.slice(0, max - 1) + '…';
  }
  return text;
}

function escaper(style: TextStyle): (s: string) => string {
  if (style === 'slack') {
    // Slack treats & < > as control characters (<!channel> would ping everyone).
    return (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }
  if (style === 'discord') {
    // Symbols and ids contain _ and *: keep them literal instead of italics/bold.
    return (s) =>
      s
        .replace(/[\\*_~`|]/g, (c) => `\\${c}`)
        .replace(/^([>#-])/gm, '\\$1');
  }
  return (s) => s;
}

/** "2026-08-09 16:00 UTC". */
export function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "in 2h 15m", "in 45m", "in 30s", "now", "3m ago". Minutes are rounded down. */
export function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  if (abs < 1000) return 'now';
  const s = Math.floor(abs / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const span = d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m` : `${s}s`;
  return deltaMs > 0 ? `in ${span}` : `${span} ago`;
}

/** The alert `carry alerts test` sends to every sink. */
export function testAlert(ts: number): Alert {
  return {
    id: `test:carry:${ts}`,
    kind: 'test',
    severity: 'info',
    subject: 'carry',
    positionId: null,
    venue: null,
    symbol: null,
    ts,
    status: 'firing',
    title: 'Test alert from carry',
    message: 'If you can read this, this sink delivers carry alerts. Nothing to do.',
    actions: [],
    data: {},
    nextFundingTime: null,
  };
}
