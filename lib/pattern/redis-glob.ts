/**
 * Redis' glob matching (`KEYS`, `SCAN … MATCH`, `PSUBSCRIBE`), byte for byte.
 *
 * NOTE: this follows Redis' own `stringmatchlen` rather than translating the
 * pattern to a RegExp, because the edge cases differ (`?` is one byte of UTF-8,
 * an unterminated `[` matches up to the end of the pattern, a reversed range
 * `[z-a]` is swapped, bytes above 0x7f compare as signed chars in ranges).
 * `lib/store/scripts/claim.lua` carries the same algorithm so that Redis-side
 * claiming agrees with routing here.
 */

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/** A byte as C's signed `char` sees it, which is how Redis compares range bounds. */
function signedByte(value: number): number {
  return value > 127 ? value - 256 : value;
}

interface MatchState {
  /** Set once a `*` has tried every suffix: longer candidates cannot match either. */
  giveUp: boolean;
}

function matchFrom(
  pattern: Uint8Array,
  p: number,
  subject: Uint8Array,
  s: number,
  state: MatchState,
): boolean {
  const patternEnd = pattern.length;
  const subjectEnd = subject.length;
  while (p < patternEnd && s < subjectEnd) {
    const c = pattern[p];
    if (c === STAR) {
      while (pattern[p + 1] === STAR) p++;
      if (p === patternEnd - 1) return true;
      while (s < subjectEnd) {
        if (matchFrom(pattern, p + 1, subject, s, state)) return true;
        if (state.giveUp) return false;
        s++;
      }
      state.giveUp = true;
      return false;
    } else if (c === QUESTION) {
      s++;
    } else if (c === OPEN_BRACKET) {
      p++;
      const negate = pattern[p] === CARET;
      if (negate) p++;
      let matched = false;
      const target = subject[s];
      for (;;) {
        const pc = pattern[p];
        if (pc === BACKSLASH && patternEnd - p >= 2) {
          p++;
          if (pattern[p] === target) matched = true;
        } else if (pc === CLOSE_BRACKET) {
          break;
        } else if (p >= patternEnd) {
          // Unterminated class: Redis steps back so the outer loop ends the pattern here.
          p--;
          break;
        } else if (patternEnd - p >= 3 && pattern[p + 1] === DASH) {
          let low = signedByte(pc);
          let high = signedByte(pattern[p + 2]);
          if (low > high) [low, high] = [high, low];
          const value = signedByte(target);
          p += 2;
          if (value >= low && value <= high) matched = true;
        } else if (pc === target) {
          matched = true;
        }
        p++;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      s++;
    } else {
      let literal = c;
      if (c === BACKSLASH && patternEnd - p >= 2) literal = pattern[++p];
      if (literal !== subject[s]) return false;
      s++;
    }
    p++;
    if (s === subjectEnd) {
      while (pattern[p] === STAR) p++;
      break;
    }
  }
  return p === patternEnd && s === subjectEnd;
}

/** Whether `subject` matches the Redis glob `pattern`; strings are compared as UTF-8 bytes. */
export function redisGlobMatch(
  pattern: Uint8Array | string,
  subject: Uint8Array | string,
): boolean {
  const patternBytes = typeof pattern === 'string' ? Buffer.from(pattern, 'utf8') : pattern;
  const subjectBytes = typeof subject === 'string' ? Buffer.from(subject, 'utf8') : subject;
  return matchFrom(patternBytes, 0, subjectBytes, 0, { giveUp: false });
}

/** Bytes that make a pattern more than a literal: `*`, `?`, `[`, `\`. */
const SPECIAL = /[*?[\\]/;

/**
 * A pattern compiled once, for routing many keys against it.
 *
 * NOTE: most patterns are a literal prefix and one trailing `*` (`order:*`);
 * those are matched with `startsWith`, which for strings is the same test as
 * a byte-prefix comparison of their UTF-8 forms, and several times cheaper.
 */
export class RedisGlob {
  private readonly bytes: Buffer;
  private readonly prefix?: { text: string; bytes: Buffer };

  constructor(readonly pattern: string) {
    this.bytes = Buffer.from(pattern, 'utf8');
    const special = pattern.search(SPECIAL);
    if (special === pattern.length - 1 && pattern.endsWith('*')) {
      const text = pattern.slice(0, -1);
      this.prefix = { text, bytes: Buffer.from(text, 'utf8') };
    }
  }

  matches(subject: Uint8Array | string): boolean {
    if (!this.prefix) return redisGlobMatch(this.bytes, subject);
    if (typeof subject === 'string') return subject.startsWith(this.prefix.text);
    const prefix = this.prefix.bytes;
    return subject.length >= prefix.length && prefix.equals(subject.subarray(0, prefix.length));
  }
}
