import type { AgentAlert, LocalizedText } from '@varsel/shared';

export type Language = 'da' | 'en';
export const LANGUAGES = ['da', 'en'] as const satisfies readonly Language[];

/** The alert's text in the wanted language; Danish when it has no English text. */
export function textOf(alert: AgentAlert, language: Language): LocalizedText {
  return language === 'en' ? (alert.content.en ?? alert.content.da) : alert.content.da;
}

/** An alert whose expiry has passed is not shown: it no longer describes the situation. */
export function isExpired(alert: AgentAlert, now: number): boolean {
  return Date.parse(alert.expiresAt) <= now;
}

/** The id of a message's thread: the original alert's id (protocol §5). */
export function threadIdOf(alert: AgentAlert): string {
  return alert.references ?? alert.id;
}

/** How a message closes its thread, if it does: a cancellation or an all-clear update. */
export function closingOf(alert: AgentAlert): 'cancelled' | 'allclear' | undefined {
  if (alert.msgType === 'cancel') return 'cancelled';
  if (alert.msgType === 'update' && alert.allClear === true) return 'allclear';
  return undefined;
}
