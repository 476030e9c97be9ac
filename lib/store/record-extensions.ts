/**
 * Optional fields a task record carries between its due time and its payload
 * (trace context, a recurring series' rule), so a task without any stays
 * byte-for-byte the 0.2 layout and pays nothing for features it does not use.
 *
 * Layout: `"~<length>~<entries>"` right before the payload JSON, where entries
 * are `"<tag><value>"` joined by newlines and `<length>` is their length.
 * Values are printable ASCII (trace context and series rules are), so that
 * length counts the same in JavaScript and in Lua, where the scripts read the
 * series tag (`scripts/includes/series.lua`). JSON text never starts with `~`,
 * so the marker cannot be mistaken for a payload.
 */

/** Extensions by name; each maps to the one-letter tag it is stored under. */
export interface RecordExtensions {
  /** W3C trace context of the span that scheduled the task: `traceparent[ tracestate]`. */
  trace?: string;
  /** A recurring series' rule, as the recurring module serialises it. */
  series?: string;
}

type ExtensionName = keyof RecordExtensions;

const TAGS: Readonly<Record<ExtensionName, string>> = { trace: 't', series: 'r' };
const NAMES: ReadonlyMap<string, ExtensionName> = new Map(
  (Object.keys(TAGS) as ExtensionName[]).map((name) => [TAGS[name], name]),
);
const MARKER = '~';
/** Shared by every record without extensions: most records, read in every claim. */
const NONE: RecordExtensions = Object.freeze({});
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Encodes extensions as the prefix of the payload field; '' when there are none. */
export function encodeExtensions(extensions: RecordExtensions | undefined): string {
  if (!extensions) return '';
  const entries: string[] = [];
  for (const name of Object.keys(TAGS) as ExtensionName[]) {
    const value = extensions[name];
    if (value === undefined) continue;
    if (!PRINTABLE_ASCII.test(value)) {
      throw new Error(`Record extension "${name}" must be printable ASCII.`);
    }
    entries.push(TAGS[name] + value);
  }
  if (entries.length === 0) return '';
  const body = entries.join('\n');
  return `${MARKER}${body.length}${MARKER}${body}`;
}

/**
 * Splits a record's payload field into its extensions and the payload JSON.
 * Unknown tags (written by a newer version) are skipped.
 */
export function splitExtensions(field: string): {
  extensions: RecordExtensions;
  payloadJson: string;
} {
  if (!field.startsWith(MARKER)) return { extensions: NONE, payloadJson: field };
  const lengthEnd = field.indexOf(MARKER, 1);
  const start = lengthEnd + 1;
  const end = start + Number(field.slice(1, lengthEnd));
  const extensions: RecordExtensions = {};
  for (const entry of field.slice(start, end).split('\n')) {
    const name = NAMES.get(entry[0]);
    if (name) extensions[name] = entry.slice(1);
  }
  return { extensions, payloadJson: field.slice(end) };
}
