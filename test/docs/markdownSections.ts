import { readFileSync } from 'node:fs';

/** A file of the project, read from the repository root. */
export function projectFile(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}

/** The text under a heading, up to the next heading of the same or a higher level; throws when there is none. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '') === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  const level = (lines[start] ?? '').indexOf(' ');
  const rest = lines.slice(start + 1);
  let inFence = false;
  const end = rest.findIndex((line) => {
    if (line.startsWith('```')) inFence = !inFence;
    const hashes = /^(#+) /.exec(line)?.[1]?.length;
    return !inFence && hashes !== undefined && hashes <= level;
  });
  return rest.slice(0, end === -1 ? undefined : end).join('\n');
}

/** Rows of the first table in a text, each as its cells (header and separator left out). */
export function firstTable(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start === -1) return [];
  const table: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
}

/** The contents of every `code span` in a text. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
}

/** The body of the first fenced block of a language after a marker line (the marker's first occurrence). */
export function fencedBlockAfter(text: string, marker: string, language: string): string {
  const from = text.indexOf(marker);
  if (from === -1) throw new Error(`no "${marker}"`);
  const open = text.indexOf(`\`\`\`${language}\n`, from);
  if (open === -1) throw new Error(`no ${language} block after "${marker}"`);
  const bodyStart = open + language.length + 4;
  return text.slice(bodyStart, text.indexOf('\n```', bodyStart));
}
