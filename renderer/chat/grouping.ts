import type { MessageAuthor } from '../../shared/chat';

/**
 * Discord's rule for grouping a timeline: a message continues the one before it (no avatar or name again) when the
 * same author wrote it within seven minutes, on the same day, with nothing between them (an unread divider starts
 * a new group).
 */
export const GROUP_WINDOW_MS = 7 * 60 * 1000;

export interface Groupable {
  /** Who wrote it: a member's id or an input's id, never a display name (two people can share one). */
  readonly authorKey: string;
  readonly createdAt: number;
}

export const authorKey = (author: MessageAuthor): string =>
  author.kind === 'member' ? `member:${author.userId}` : `input:${author.inputId}`;

const sameLocalDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString();

/** Whether `current` continues the group of `previous` (null: the start of the list, or right after a divider). */
export function continuesGroup(previous: Groupable | null, current: Groupable): boolean {
  if (previous === null || previous.authorKey !== current.authorKey) return false;
  const gap = current.createdAt - previous.createdAt;
  return gap >= 0 && gap <= GROUP_WINDOW_MS && sameLocalDay(previous.createdAt, current.createdAt);
}
