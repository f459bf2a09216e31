import { z } from 'zod';

/**
 * How hard a password is to guess, estimated the way zxcvbn does it (the cheapest way to build the password from
 * patterns an attacker tries first), in a few hundred lines instead of a dictionary package: a common-password list
 * of a few hundred entries, the person's own name and email, repeats, sequences (abc, 4321), keyboard runs (qwerty),
 * years, and everything else at the price of its character classes. The same estimate drives the form's meter and
 * the rule both sides enforce (`newPasswordSchema`): a password the estimate calls very weak is refused.
 *
 * Why not a package: zxcvbn itself is unmaintained since 2017; @zxcvbn-ts/core is maintained but estimates little
 * without its dictionary packages (about a megabyte for the common one), which the renderer would ship and the
 * server would load. The patterns that matter against online guessing (the only guessing the server's throttle
 * allows) are the ones below.
 */

/** The most common passwords in public breach corpora, lowercase; leet and digit suffixes are matched around them. */
const COMMON_PASSWORDS = `
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123 football monkey
letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777
121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman
andrew tigger sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster 112233 george
computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa ginger
princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew access yankees 987654321 dallas
austin thunder taylor matrix minecraft william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm
hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer
cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro peanut
morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota arsenal eagles melissa
boomer booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq
purple hardcore banana junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701
coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver redsox
player nikita knight fender barney midnight please brandy chicago badboy slayer rangers charles angel flower bigdaddy
rabbit wizard jasper enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince panties
marine ghbdtn fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321
golden 8675309 apple apples qwerty123 password1 password123 passw0rd p@ssw0rd admin administrator root changeme
default guest login welcome1 letmein1 abcdef abcd1234 aa123456 iloveyou1 whoot voice team
`
  .split(/\s+/)
  .filter((word) => word.length >= 4);

const COMMON = new Set(COMMON_PASSWORDS);

const KEYBOARD_ROWS = ['`1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./', 'qwertzuiop', 'azertyuiop'];

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

export type PasswordScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  /** 0 very weak … 4 very strong. */
  readonly score: PasswordScore;
  readonly label: 'Very weak' | 'Weak' | 'Fair' | 'Strong' | 'Very strong';
  /** log2 of the guesses the cheapest pattern needs. */
  readonly bits: number;
  /** The one thing most wrong with it, as a sentence; null when nothing stands out. */
  readonly warning: string | null;
  /** What would make it better, as sentences. */
  readonly suggestions: readonly string[];
}

type PatternKind = 'common' | 'personal' | 'repeat' | 'sequence' | 'keyboard' | 'year' | 'characters';

interface Piece {
  readonly kind: PatternKind;
  readonly bits: number;
  readonly text: string;
}

const log2 = Math.log2;

/** Patterns are looked for in this many characters; the estimate's cost grows with the square of it. */
const MAX_ANALYSED = 64;

/** The alphabet a brute-force search over these characters would need. */
function alphabetSize(text: string): number {
  let size = 0;
  if (/[a-z]/.test(text)) size += 26;
  if (/[A-Z]/.test(text)) size += 26;
  if (/[0-9]/.test(text)) size += 10;
  if (/[ -/:-@[-`{-~]/.test(text)) size += 33;
  if (/[^\x20-\x7e]/u.test(text)) size += 100;
  return Math.max(size, 10);
}

/** Extra guesses for capitals in a word an attacker tries: none, the first, all, or mixed. */
function capitalisationBits(word: string): number {
  if (word === word.toLowerCase()) return 0;
  if (word === word.toUpperCase() || /^[A-Z][^A-Z]*$/.test(word)) return 1;
  const upper = [...word].filter((c) => c !== c.toLowerCase()).length;
  return Math.min(upper, word.length - upper) + 1;
}

const unleet = (text: string) => [...text.toLowerCase()].map((c) => LEET[c] ?? c).join('');

function isSequence(text: string): boolean {
  if (text.length < 3) return false;
  const step = text.charCodeAt(1) - text.charCodeAt(0);
  if (Math.abs(step) !== 1) return false;
  for (let i = 2; i < text.length; i += 1) if (text.charCodeAt(i) - text.charCodeAt(i - 1) !== step) return false;
  return true;
}

function isKeyboardRun(text: string): boolean {
  if (text.length < 4) return false;
  const lower = text.toLowerCase();
  const reversed = [...lower].reverse().join('');
  return KEYBOARD_ROWS.some((row) => row.includes(lower) || row.includes(reversed));
}

/** Every pattern that covers all of `text`, priced in bits; plain characters are the fallback. */
function patternsOf(text: string, personal: readonly string[]): Piece[] {
  const lower = text.toLowerCase();
  const pieces: Piece[] = [];
  if (text.length >= 4) {
    const plain = unleet(text);
    const leetBits = plain !== lower ? 1 : 0;
    if (COMMON.has(lower) || COMMON.has(plain)) {
      const rank = COMMON_PASSWORDS.indexOf(COMMON.has(lower) ? lower : plain) + 1;
      pieces.push({ kind: 'common', bits: log2(rank + 1) + capitalisationBits(text) + leetBits, text });
    }

    if (isKeyboardRun(text))
      pieces.push({ kind: 'keyboard', bits: log2(KEYBOARD_ROWS.length * 2 * 12 * text.length), text });
    if (/^(?:19|20)[0-9]{2}$/.test(text)) pieces.push({ kind: 'year', bits: log2(120), text });
  }
  if (text.length >= 3) {
    const plain = unleet(text);
    if (personal.includes(lower) || personal.includes(plain)) {
      pieces.push({ kind: 'personal', bits: 2 + capitalisationBits(text) + (plain !== lower ? 1 : 0), text });
    }
    if ([...text].every((c) => c === text[0]))
      pieces.push({ kind: 'repeat', bits: log2(alphabetSize(text) * text.length), text });
    if (isSequence(lower)) pieces.push({ kind: 'sequence', bits: log2(26 * 2 * text.length), text });
    // A repeated chunk (abcabc, 1212): the chunk once, then a few guesses for the count.
    for (let size = 1; size <= text.length / 2; size += 1) {
      if (text.length % size !== 0) continue;
      const chunk = text.slice(0, size);
      if (chunk.repeat(text.length / size) === text && size > 1) {
        pieces.push({ kind: 'repeat', bits: size * log2(alphabetSize(chunk)) + log2(text.length / size), text });
      }
    }
  }
  return pieces;
}

/** The cheapest way to build the password from pieces (dynamic programming over positions, as zxcvbn does). */
function cheapestPieces(password: string, personal: readonly string[]): Piece[] {
  const chars = [...password].slice(0, MAX_ANALYSED);
  const perChar = log2(alphabetSize(password));
  type Best = { bits: number; pieces: Piece[] };
  const best: Best[] = [{ bits: 0, pieces: [] }];
  chars.forEach((char, index) => {
    const end = index + 1;
    const previous = best[index] as Best;
    let choice: Best = {
      bits: previous.bits + perChar,
      pieces: [...previous.pieces, { kind: 'characters', bits: perChar, text: char }],
    };
    for (let length = 3; length <= Math.min(end, 32); length += 1) {
      const start = end - length;
      const before = best[start] as Best;
      for (const piece of patternsOf(chars.slice(start, end).join(''), personal)) {
        // Each extra pattern costs a little: the attacker must also guess how the pieces combine.
        const bits = before.bits + piece.bits + (before.pieces.length > 0 ? 1 : 0);
        if (bits < choice.bits) choice = { bits, pieces: [...before.pieces, piece] };
      }
    }
    best.push(choice);
  });
  // Past the analysed prefix every character counts at the alphabet's price: long enough is long enough.
  const rest = [...password].slice(MAX_ANALYSED).map((c) => ({ kind: 'characters' as const, bits: perChar, text: c }));
  return [...(best[chars.length] as Best).pieces, ...rest];
}

/** Pieces of the name and email an attacker who knows the person tries first. */
function personalWords(userInputs: readonly string[]): string[] {
  const words = new Set<string>();
  for (const input of userInputs) {
    const lower = input.toLowerCase().trim();
    // The whole input (an email typed as the password), without its spaces, and each word of it.
    for (const whole of [lower, lower.replace(/\s+/g, '')]) if (whole.length >= 3) words.add(whole);
    for (const word of lower.split(/[^\p{L}\p{N}]+/u)) if (word.length >= 3) words.add(word);
  }
  return [...words];
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;
/** Upper bounds in bits for scores 0 to 3: a throttled online attack gets well under 2^20 guesses a year. */
const THRESHOLDS = [24, 34, 46, 60];

const WARNINGS: Record<Exclude<PatternKind, 'characters'>, string> = {
  common: 'This is one of the most common passwords.',
  personal: 'Passwords that contain your name or email are easy to guess.',
  repeat: 'Repeats like "aaa" or "abcabc" are easy to guess.',
  sequence: 'Sequences like "abc" or "4321" are easy to guess.',
  keyboard: 'Rows of keys like "qwerty" are easy to guess.',
  year: 'Years are easy to guess.',
};

/**
 * The estimate for `password`. `userInputs` are what an attacker would know about its owner (name, email): parts of
 * them count as guessed.
 */
export function estimatePasswordStrength(password: string, userInputs: readonly string[] = []): PasswordStrength {
  const pieces = cheapestPieces(password, personalWords(userInputs));
  const bits = pieces.reduce((sum, piece) => sum + piece.bits, 0);
  const found = THRESHOLDS.findIndex((limit) => bits < limit);
  const score = (found === -1 ? 4 : found) as PasswordScore;
  // The pattern that gives away most of the password is the one to mention.
  const revealing = pieces
    .filter((piece) => piece.kind !== 'characters')
    .sort((a, b) => b.text.length - a.text.length)[0];
  const warning = score >= 3 || revealing === undefined ? null : WARNINGS[revealing.kind as keyof typeof WARNINGS];
  const suggestions: string[] = [];
  if (score < 3) {
    suggestions.push(
      [...password].length < 12
        ? 'Make it longer: a few unrelated words are easy to remember and hard to guess.'
        : 'Add another word or two; uncommon words are better.',
    );
    if (revealing !== undefined && revealing.kind === 'common')
      suggestions.push('Avoid well-known passwords, even with symbols or digits swapped in.');
  }
  return { score, label: LABELS[score], bits: Math.round(bits * 10) / 10, warning, suggestions };
}

/** The server's and the form's one rule for a new password: at least 8 characters, and not very weak. */
export const MIN_PASSWORD_LENGTH = 8;

export function newPasswordProblem(password: string, userInputs: readonly string[] = []): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  const strength = estimatePasswordStrength(password, userInputs);
  if (strength.score === 0) return strength.warning ?? 'This password is too easy to guess.';
  return null;
}

/** A password for a new account or a change: what sign-in accepts, minus the very weak ones. */
export const newPasswordSchema = z
  .string()
  .max(1024)
  .superRefine((password, context) => {
    if (password.length > 1024) return;
    const problem = newPasswordProblem(password);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });
