/**
 * A small, strict reader of XML documents, written for the ActiveMQ configurations Amazon MQ stores (read by
 * activemq-xml.ts). It gives the tree fast-xml-parser gave with the options mqops used (attributes as strings
 * under `@_name`, namespace prefixes removed, every element in an array, text under `#text`, no value parsing),
 * without its ~60 KB of code and dependencies in every Lambda bundle.
 *
 * Strict where XML is: a document that is not well-formed (not exactly one root element, tags not closed in
 * order, an attribute repeated or not quoted, a `&` that does not start a reference…) is an error naming the
 * line, `line 12: closing tag </plugins> does not match <map> (opened on line 9)`. Deliberately small:
 * - No DTD: a `<!DOCTYPE>` is refused, so no entity is ever declared or expanded (no "billion laughs", no external
 *   entities). Amazon MQ configurations have none.
 * - References: `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and character references (`&#62;`, `&#x3E;`) are decoded
 *   in text and attribute values; any other `&name;` is an error, since only a DTD could define it.
 * - The XML declaration, processing instructions and comments are skipped. CDATA is text, kept as written.
 * - Text: each run of text is trimmed, then decoded (so `&#32;` keeps a space), and the runs of an element are
 *   joined; comments do not split a run. Attribute values are trimmed, then decoded. This is fast-xml-parser's
 *   `trimValues`, which no reader of configurations depends on but which keeps the tree the same.
 * - Namespaces: an element's prefix is dropped (`amq:broker` → `broker`), as is an attribute's
 *   (`xsi:schemaLocation` → `schemaLocation`), and `xmlns`/`xmlns:*` declarations are left out, as
 *   fast-xml-parser's `removeNSPrefix` does. Two attributes that differ only by prefix keep the last value.
 * - Nodes are objects without a prototype, so element and attribute names such as `__proto__` or `constructor`
 *   are plain keys (fast-xml-parser throws on or renames those).
 */

/** The key prefix of attributes in an element node: `@_queue`. */
export const ATTRIBUTE_PREFIX = '@_';

/** The key of an element's text (its text runs and CDATA sections joined). */
export const TEXT = '#text';

/**
 * A parsed element: `''` when it has no attributes, children or text; its text when it has only text; otherwise
 * an {@link XmlElement}.
 */
export type XmlNode = XmlElement | string;

/**
 * An element with attributes or children: each child element under its name (always an array, in document order;
 * keys in order of first appearance), then the text under `#text` when there is some, then each attribute under
 * `@_name` as the string written. A document is an XmlElement with its root element as the only key.
 */
export interface XmlElement {
  [key: string]: XmlNode[] | string;
}

export type XmlParseResult =
  | { ok: true; document: XmlElement }
  | {
      ok: false;
      /** The line (from 1) where the problem is. */
      line: number;
      /** `line N: what is wrong`. */
      error: string;
    };

/**
 * Parses an XML document. Never throws: a document that is not well-formed is `{ ok: false, line, error }`.
 *
 * @example
 * const parsed = parseXml('<amq:broker xmlns:amq="…" persistent="false"><plugins/></amq:broker>');
 * // { ok: true, document: { broker: [{ plugins: [''], '@_persistent': 'false' }] } }
 */
export function parseXml(xml: string): XmlParseResult {
  // Line ends are normalized as XML requires (and fast-xml-parser did): \r\n and a lone \r read as \n.
  const source = xml.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  try {
    return { ok: true, document: new Reader(source).read() };
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    const line = lineAt(source, error.at);
    return { ok: false, line, error: `line ${line}: ${error.message}` };
  }
}

/** A well-formedness error at an offset of the (normalized) document; parseXml turns it into a result. */
class XmlSyntaxError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

function fail(at: number, message: string): never {
  throw new XmlSyntaxError(at, message);
}

function lineAt(source: string, at: number): number {
  return source.slice(0, at).split('\n').length;
}

/** An XML Name (the XML 1.0 production, `:` included), read at an offset. */
const NAME =
  /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;

/** A character XML does not allow anywhere (C0 controls other than tab and line ends, U+FFFE, U+FFFF). */
const FORBIDDEN_CHARACTER = /[^\t\n\r\u0020-\uFFFD]/;

/** A reference, read at a `&`: character reference (hex or decimal) or entity name. */
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([^\s&;<]+));/y;

/** The entities XML predefines: the only ones a document without a DTD can use. */
const ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t' || c === '\r';

/** True for a code point XML allows as a character (production Char). */
function isXmlCharacter(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** `value` with its references decoded; `at` is its offset in the document, for errors. */
function decode(value: string, at: number): string {
  let next = value.indexOf('&');
  if (next === -1) return value;
  let decoded = '';
  let from = 0;
  while (next !== -1) {
    REFERENCE.lastIndex = next;
    const match = REFERENCE.exec(value);
    if (!match) fail(at + next, `'&' that does not start a reference (write &amp; for a literal '&')`);
    const [reference, hex, decimal, name] = match;
    let character: string | undefined;
    if (name !== undefined) {
      character = ENTITIES.get(name);
      if (character === undefined) {
        fail(
          at + next,
          `unknown entity ${reference} (without a DTD only &lt; &gt; &amp; &quot; &apos; exist)`,
        );
      }
    } else {
      const code = Number.parseInt(hex ?? decimal ?? '', hex === undefined ? 10 : 16);
      if (!isXmlCharacter(code)) fail(at + next, `${reference} is not a character XML allows`);
      character = String.fromCodePoint(code);
    }
    decoded += value.slice(from, next) + character;
    from = REFERENCE.lastIndex;
    next = value.indexOf('&', from);
  }
  return decoded + value.slice(from);
}

/** `value` trimmed, then decoded; `at` is its offset in the document. */
function decodeTrimmed(value: string, at: number): string {
  const trimmed = value.trim();
  return trimmed === '' ? '' : decode(trimmed, at + value.indexOf(trimmed));
}

/** An attribute's key in the tree, or undefined for a namespace declaration (left out). */
function attributeKey(name: string): string | undefined {
  const parts = name.split(':');
  if (parts[0] === 'xmlns') return undefined;
  const local = parts.length === 2 ? parts[1] : name;
  return local ? ATTRIBUTE_PREFIX + local : undefined;
}

/** An element being read: opened, not closed yet. */
interface OpenElement {
  /** The name as written (`amq:broker`), which the closing tag must repeat. */
  tag: string;
  /** The name in the tree (`broker`). */
  name: string;
  /** Offset of its `<`. */
  at: number;
  attributes: [key: string, value: string][];
  children: XmlElement;
  hasChildren: boolean;
  /** Text and CDATA read so far (trimmed and decoded). */
  text: string;
  /** Raw text since the last tag, CDATA section or processing instruction (comments do not end a run). */
  run: string;
}

class Reader {
  private at = 0;
  private readonly open: OpenElement[] = [];
  private root: { tag: string; name: string; node: XmlNode } | undefined;

  constructor(private readonly source: string) {}

  read(): XmlElement {
    const { source } = this;
    const forbidden = FORBIDDEN_CHARACTER.exec(source);
    if (forbidden) {
      const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      fail(forbidden.index, `character U+${code} is not allowed in XML`);
    }
    while (this.at < source.length) {
      const lt = source.indexOf('<', this.at);
      const end = lt === -1 ? source.length : lt;
      if (end > this.at) this.text(this.at, end);
      if (lt === -1) break;
      this.at = this.markup(lt);
    }
    const unclosed = this.open.at(-1);
    if (unclosed) fail(unclosed.at, `<${unclosed.tag}> is never closed`);
    if (!this.root) {
      if (source.trim() === '') fail(0, 'the document is empty');
      fail(source.length, 'the document has no root element');
    }
    const document: XmlElement = Object.create(null);
    document[this.root.name] = [this.root.node];
    return document;
  }

  /** Text from `from` to `end` (no markup in it). */
  private text(from: number, end: number): void {
    const run = this.source.slice(from, end);
    const parent = this.open.at(-1);
    if (!parent) {
      let offset = 0;
      while (isSpace(run[offset])) offset += 1;
      if (offset === run.length) return;
      const root = this.root;
      fail(
        from + offset,
        root ? `text after the root element <${root.tag}>` : 'text before the root element',
      );
    }
    decode(run, from); // Only to check its references now, where the offset is known; it is decoded once trimmed.
    parent.run += run;
  }

  /** Reads the markup starting at `lt` (a `<`); returns the offset after it. */
  private markup(lt: number): number {
    const { source } = this;
    if (source.startsWith('<!--', lt)) return this.comment(lt);
    if (source.startsWith('<![CDATA[', lt)) return this.cdata(lt);
    if (source.startsWith('<!DOCTYPE', lt)) {
      fail(lt, 'a DOCTYPE is not allowed (it could declare entities to expand); configurations have none');
    }
    if (source.startsWith('<!', lt)) fail(lt, `'<!' that starts no comment or CDATA section`);
    if (source.startsWith('<?', lt)) return this.instruction(lt);
    if (source.startsWith('</', lt)) return this.closingTag(lt);
    return this.openingTag(lt);
  }

  private comment(lt: number): number {
    const end = this.source.indexOf('-->', lt + 4);
    if (end === -1) fail(lt, 'comment is never closed (no -->)');
    const dashes = this.source.indexOf('--', lt + 4);
    if (dashes < end) fail(dashes, `'--' inside a comment`);
    return end + 3;
  }

  private cdata(lt: number): number {
    const end = this.source.indexOf(']]>', lt + 9);
    if (end === -1) fail(lt, 'CDATA section is never closed (no ]]>)');
    const parent = this.open.at(-1);
    if (!parent) fail(lt, 'CDATA section outside the root element');
    this.endRun(parent);
    parent.text += this.source.slice(lt + 9, end);
    return end + 3;
  }

  /** A processing instruction or the XML declaration: checked, then skipped. */
  private instruction(lt: number): number {
    const end = this.source.indexOf('?>', lt + 2);
    if (end === -1) fail(lt, 'processing instruction is never closed (no ?>)');
    const target = this.name(lt + 2);
    if (target === undefined) fail(lt, `'<?' not followed by a name`);
    if (target.toLowerCase() === 'xml' && lt !== 0) {
      fail(lt, 'the XML declaration <?xml …?> is only allowed at the very start of the document');
    }
    const parent = this.open.at(-1);
    if (parent) this.endRun(parent);
    return end + 2;
  }

  private closingTag(lt: number): number {
    const tag = this.name(lt + 2);
    if (tag === undefined) fail(lt, `'</' not followed by an element name`);
    const end = this.skipSpace(lt + 2 + tag.length);
    if (this.source[end] !== '>') this.unexpected(end, `closing tag </${tag}>`);
    const element = this.open.pop();
    if (!element) {
      fail(lt, `closing tag </${tag}> ${this.root ? 'after the root element' : 'without an opening tag'}`);
    }
    if (element.tag !== tag) {
      const opened = lineAt(this.source, element.at);
      fail(lt, `closing tag </${tag}> does not match <${element.tag}> (opened on line ${opened})`);
    }
    this.endRun(element);
    this.close(element);
    return end + 1;
  }

  private openingTag(lt: number): number {
    const { source } = this;
    const tag = this.name(lt + 1);
    if (tag === undefined) fail(lt, `'<' not followed by an element name (write &lt; for a literal '<')`);
    const name = tag.slice(tag.indexOf(':') + 1);
    if (name === '') fail(lt, `element name ${tag} has no local part`);
    if (this.open.length === 0 && this.root) {
      fail(lt, `a second root element <${tag}> after <${this.root.tag}> (a document has one)`);
    }
    const attributes: OpenElement['attributes'] = [];
    const seen = new Set<string>();
    let at = lt + 1 + tag.length;
    let selfClosing = false;
    for (;;) {
      const spaced = isSpace(source[at]);
      at = this.skipSpace(at);
      if (at >= source.length) fail(lt, `<${tag}> is cut off (no '>')`);
      if (source[at] === '>') break;
      if (source.startsWith('/>', at)) {
        selfClosing = true;
        at += 1;
        break;
      }
      const attribute = this.name(at);
      if (attribute === undefined) this.unexpected(at, `<${tag}>`);
      if (!spaced)
        fail(at, `attribute ${attribute} of <${tag}> is not separated from what precedes it by a space`);
      if (seen.has(attribute)) fail(at, `attribute ${attribute} is repeated in <${tag}>`);
      seen.add(attribute);
      const equals = this.skipSpace(at + attribute.length);
      if (source[equals] !== '=')
        fail(at, `attribute ${attribute} of <${tag}> has no value (${attribute}="…")`);
      const opening = this.skipSpace(equals + 1);
      const quote = source[opening];
      if (quote !== '"' && quote !== "'") {
        fail(opening, `the value of attribute ${attribute} of <${tag}> is not quoted`);
      }
      const closing = source.indexOf(quote, opening + 1);
      if (closing === -1) {
        fail(opening, `the value of attribute ${attribute} of <${tag}> is never closed (no ${quote})`);
      }
      const raw = source.slice(opening + 1, closing);
      const lessThan = raw.indexOf('<');
      if (lessThan !== -1) {
        fail(opening + 1 + lessThan, `'<' in the value of attribute ${attribute} of <${tag}> (write &lt;)`);
      }
      const key = attributeKey(attribute);
      const value = decodeTrimmed(raw, opening + 1);
      if (key !== undefined) attributes.push([key, value]);
      at = closing + 1;
    }
    const parent = this.open.at(-1);
    if (parent) this.endRun(parent);
    const element: OpenElement = {
      tag,
      name,
      at: lt,
      attributes,
      children: Object.create(null),
      hasChildren: false,
      text: '',
      run: '',
    };
    if (selfClosing) this.close(element);
    else this.open.push(element);
    return at + 1;
  }

  /** Adds the element, closed, to its parent (the element now on top), or makes it the root. */
  private close(element: OpenElement): void {
    const node = nodeOf(element);
    const parent = this.open.at(-1);
    if (!parent) {
      this.root = { tag: element.tag, name: element.name, node };
      return;
    }
    const siblings = parent.children[element.name];
    if (Array.isArray(siblings)) siblings.push(node);
    else parent.children[element.name] = [node];
    parent.hasChildren = true;
  }

  /** Ends the element's current run of text: trimmed, decoded and added to its text. */
  private endRun(element: OpenElement): void {
    // References were checked as the run was read, so this cannot fail.
    element.text += decodeTrimmed(element.run, 0);
    element.run = '';
  }

  /** The XML name at `at`, or undefined when none starts there. */
  private name(at: number): string | undefined {
    NAME.lastIndex = at;
    return NAME.exec(this.source)?.[0];
  }

  private skipSpace(at: number): number {
    let next = at;
    while (isSpace(this.source[next])) next += 1;
    return next;
  }

  private unexpected(at: number, where: string): never {
    const found = this.source[at];
    return fail(at, found === undefined ? `${where} is cut off` : `unexpected '${found}' in ${where}`);
  }
}

function nodeOf(element: OpenElement): XmlNode {
  if (!element.hasChildren && element.attributes.length === 0) return element.text;
  const node = element.children;
  if (element.text !== '') node[TEXT] = element.text;
  for (const [key, value] of element.attributes) node[key] = value;
  return node;
}
