import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseXml, type XmlElement, type XmlNode } from '../../src/xml';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const NS = 'http://activemq.apache.org/schema/core';

/** fast-xml-parser with the options activemq-xml.ts used before xml.ts replaced it: the reference tree. */
const reference = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

/** Parses a document the test expects to be well-formed. */
function parse(xml: string): XmlElement {
  const result = parseXml(xml);
  if (!result.ok) throw new Error(`expected a well-formed document: ${result.error}`);
  return result.document;
}

/** The first `name` child of an element, which the test expects to have attributes or children. */
function first(node: XmlNode | undefined, name: string): XmlElement {
  const children = typeof node === 'object' ? node[name] : undefined;
  const child = Array.isArray(children) ? children[0] : undefined;
  if (typeof child !== 'object') throw new Error(`expected an element <${name}> with attributes or children`);
  return child;
}

/** The error of a document the test expects to be rejected. */
function errorOf(xml: string): string {
  const result = parseXml(xml);
  return result.ok ? 'no error' : result.error;
}

/** The tree as JSON, keys in order: equal strings mean the same tree with the same element order. */
const json = (tree: unknown) => JSON.stringify(tree, null, 1);

/** An Amazon MQ configuration in a Spring `<beans>` document, as exported from a self-managed ActiveMQ. */
const SPRING_WRAPPED = `<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <!-- Broker settings Amazon MQ keeps; the rest is sanitized out of a revision. -->
  <broker xmlns="${NS}" schedulePeriodForDestinationPurge="10000" schedulerSupport="false" advisorySupport="true">
    <destinationPolicy>
      <policyMap>
        <policyEntries>
          <policyEntry queue="&gt;" gcInactiveDestinations="true" inactiveTimoutBeforeGC="600000" memoryLimit="64 mb">
            <deadLetterStrategy>
              <sharedDeadLetterStrategy processExpired="false">
                <deadLetterQueue>
                  <queue physicalName="ActiveMQ.DLQ"/>
                </deadLetterQueue>
              </sharedDeadLetterStrategy>
            </deadLetterStrategy>
          </policyEntry>
          <policyEntry tempQueue="true" advisoryForConsumed="false"/>
        </policyEntries>
      </policyMap>
    </destinationPolicy>
  </broker>
</beans>
`;

/** A network-of-brokers configuration written with an `amq:` prefix, single quotes and CRLF line ends. */
const PREFIXED_NETWORK = [
  `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>`,
  `<amq:broker xmlns:amq='${NS}' amq:persistent='true' schedulePeriodForDestinationPurge='10000'>`,
  '  <amq:networkConnectors>',
  `    <amq:networkConnector name='connector_1_to_2' userName='commonUser' networkTTL='5' duplex='true'`,
  `        uri='static:(ssl://b-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1.mq.eu-west-1.amazonaws.com:61617)'/>`,
  '  </amq:networkConnectors>',
  '  <amq:transportConnectors>',
  `    <amq:transportConnector name='openwire' updateClusterClients='true' rebalanceClusterClients='true' updateClusterClientsOnRemove='false'/>`,
  '  </amq:transportConnectors>',
  '  <amq:plugins>',
  '    <amq:authorizationPlugin>',
  '      <amq:map>',
  '        <amq:authorizationMap>',
  '          <amq:authorizationEntries>',
  `            <amq:authorizationEntry queue='&gt;' read='admins' write='admins' admin='admins'/>`,
  `            <amq:authorizationEntry topic='ActiveMQ.Advisory.&gt;' read='everyone' write='everyone' admin='everyone'/>`,
  '          </amq:authorizationEntries>',
  '        </amq:authorizationMap>',
  '      </amq:map>',
  '    </amq:authorizationPlugin>',
  '    <amq:statisticsBrokerPlugin/>',
  '  </amq:plugins>',
  '</amq:broker>',
].join('\r\n');

/** The document the local cloud gives a new ActiveMQ configuration (packages/local/src/services/mq.ts). */
const LOCAL_DEFAULT = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<broker xmlns="${NS}">\n  <plugins/>\n</broker>\n`;

describe('Function: parseXml', () => {
  it('reads a Spring-wrapped configuration: namespace declarations left out, prefixes removed, comments skipped', () => {
    const document = parse(SPRING_WRAPPED);
    expect(Object.keys(document)).toEqual(['beans']);
    const beans = first(document, 'beans');
    expect(Object.keys(beans)).toEqual(['broker', '@_schemaLocation']);
    const broker = first(beans, 'broker');
    expect(broker['@_schedulerSupport']).toBe('false');
    expect(broker['@_xmlns']).toBeUndefined();
    const policyMap = first(first(broker, 'destinationPolicy'), 'policyMap');
    expect(first(policyMap, 'policyEntries')['policyEntry']).toEqual([
      {
        deadLetterStrategy: [
          {
            sharedDeadLetterStrategy: [
              {
                deadLetterQueue: [{ queue: [{ '@_physicalName': 'ActiveMQ.DLQ' }] }],
                '@_processExpired': 'false',
              },
            ],
          },
        ],
        '@_queue': '>',
        '@_gcInactiveDestinations': 'true',
        '@_inactiveTimoutBeforeGC': '600000',
        '@_memoryLimit': '64 mb',
      },
      { '@_tempQueue': 'true', '@_advisoryForConsumed': 'false' },
    ]);
  });

  it('reads a prefixed network-of-brokers configuration with single quotes and CRLF line ends', () => {
    const broker = first(parse(PREFIXED_NETWORK), 'broker');
    expect(Object.keys(broker)).toEqual([
      'networkConnectors',
      'transportConnectors',
      'plugins',
      '@_persistent',
      '@_schedulePeriodForDestinationPurge',
    ]);
    expect(first(broker, 'networkConnectors')['networkConnector']).toEqual([
      {
        '@_name': 'connector_1_to_2',
        '@_userName': 'commonUser',
        '@_networkTTL': '5',
        '@_duplex': 'true',
        '@_uri': 'static:(ssl://b-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1.mq.eu-west-1.amazonaws.com:61617)',
      },
    ]);
    expect(Object.keys(first(broker, 'plugins'))).toEqual(['authorizationPlugin', 'statisticsBrokerPlugin']);
  });

  it.each<[string, string, XmlElement]>([
    ['an empty element', '<broker/>', { broker: [''] }],
    ['an empty element with a closing tag and blank content', '<broker>\n  </broker >', { broker: [''] }],
    ['an element with only text', '<queue> orders </queue>', { queue: ['orders'] }],
    [
      'an element with text and attributes',
      '<queue a="1">orders</queue>',
      { queue: [{ '#text': 'orders', '@_a': '1' }] },
    ],
    [
      'repeated and interleaved children, each name an array in document order',
      '<a><b/><c/><b x="1"/></a>',
      { a: [{ b: ['', { '@_x': '1' }], c: [''] }] },
    ],
    [
      'quotes of either kind, spaces around = and values trimmed',
      `<a x='say "hi"' y = " it's " z=""/>`,
      { a: [{ '@_x': 'say "hi"', '@_y': "it's", '@_z': '' }] },
    ],
    [
      'namespace declarations left out and prefixes removed from elements and attributes',
      `<amq:broker xmlns="${NS}" xmlns:amq="${NS}" xmlns:xsi="x" xsi:schemaLocation="s" amq:persistent="false"><amq:plugins/></amq:broker>`,
      { broker: [{ plugins: [''], '@_schemaLocation': 's', '@_persistent': 'false' }] },
    ],
    [
      'two attributes that differ only by prefix keep the last value',
      '<a p:x="1" x="2"/>',
      { a: [{ '@_x': '2' }] },
    ],
    [
      'the XML declaration, processing instructions and comments skipped',
      '<?xml version="1.0"?>\n<!-- c -->\n<?pi x?>\n<broker><!-- <plugins/> --><?pi y?></broker>\n<!-- after -->\n',
      { broker: [''] },
    ],
    [
      'predefined entities and character references decoded once, in attributes and text',
      '<a x="&lt;&gt;&amp;&quot;&apos;" y="&#62;&#x3E;&#x1F600;">&amp;lt; &#169;</a>',
      { a: [{ '#text': '&lt; ©', '@_x': `<>&"'`, '@_y': '>>😀' }] },
    ],
    [
      'values trimmed before decoding, so an escaped space stays',
      '<a x=" &#32;v&#x20; "> &#32;t </a>',
      { a: [{ '#text': ' t', '@_x': ' v ' }] },
    ],
    [
      'CDATA kept as written, between trimmed runs of text',
      '<a> x <![CDATA[ <b>&amp; ]]> y </a>',
      { a: ['x <b>&amp; y'] },
    ],
    [
      'runs of text joined across comments and child elements',
      '<a>one<!-- c -->two<b/>three</a>',
      { a: [{ b: [''], '#text': 'onetwothree' }] },
    ],
    [
      '> in attribute values and text',
      '<policyEntry queue=">">a > b</policyEntry>',
      { policyEntry: [{ '#text': 'a > b', '@_queue': '>' }] },
    ],
    ['a byte-order mark and CRLF line ends', '\uFEFF<a>\r\nline\r\nnext\r\n</a>', { a: ['line\nnext'] }],
  ])('reads %s', (_name, xml, tree) => {
    expect(parse(xml)).toEqual(tree);
  });

  it('keeps names such as __proto__ and constructor as plain keys, without touching Object.prototype', () => {
    const document = parse(
      '<__proto__ constructor="c" __proto__="p"><hasOwnProperty/><toString/></__proto__>',
    );
    expect(Object.keys(document)).toEqual(['__proto__']);
    const node = first(document, '__proto__');
    expect(Object.keys(node)).toEqual(['hasOwnProperty', 'toString', '@_constructor', '@___proto__']);
    expect(node['hasOwnProperty']).toEqual(['']);
    expect(Object.getPrototypeOf(node)).toBeNull();
    expect(typeof {}.hasOwnProperty).toBe('function');
  });

  it.each([
    ['an empty document', '', 'line 1: the document is empty'],
    ['a blank document', '  \n\n', 'line 1: the document is empty'],
    [
      'no root element',
      '<?xml version="1.0"?>\n<!-- nothing -->\n',
      'line 3: the document has no root element',
    ],
    [
      'a mismatched closing tag',
      '<broker>\n  <plugins>\n    <authorizationPlugin>\n      <map>\n    </authorizationPlugin>\n',
      'line 5: closing tag </authorizationPlugin> does not match <map> (opened on line 4)',
    ],
    ['an unclosed tag', '<broker>\n  <plugins/>\n', 'line 1: <broker> is never closed'],
    ['an unclosed inner tag', '<broker>\n  <plugins>\n', 'line 2: <plugins> is never closed'],
    ['a cut-off tag', '<broker>\n<plugins', `line 2: <plugins> is cut off (no '>')`],
    [
      'a duplicate attribute',
      '<broker>\n  <policyEntry queue="a"\n               queue="b"/>\n</broker>',
      'line 3: attribute queue is repeated in <policyEntry>',
    ],
    [
      'an unquoted value',
      '<broker persistent=false/>',
      'line 1: the value of attribute persistent of <broker> is not quoted',
    ],
    [
      'an attribute without a value',
      '<broker persistent/>',
      'line 1: attribute persistent of <broker> has no value (persistent="…")',
    ],
    [
      'attributes not separated by a space',
      '<broker a="1"b="2"/>',
      'line 1: attribute b of <broker> is not separated from what precedes it by a space',
    ],
    [
      'a value never closed',
      '<broker>\n<plugins a="1/>\n</plugins></broker>',
      'line 2: the value of attribute a of <plugins> is never closed (no ")',
    ],
    ['a stray character in a tag', '<broker a="1" %/>', `line 1: unexpected '%' in <broker>`],
    ['junk in a closing tag', '<broker></broker x>', `line 1: unexpected 'x' in closing tag </broker>`],
    ['text after the root', '<broker/>\ntrailing', 'line 2: text after the root element <broker>'],
    ['text before the root', 'not xml at all', 'line 1: text before the root element'],
    ['JSON', '{"not": "xml"}', 'line 1: text before the root element'],
    [
      'multiple roots',
      '<broker/>\n<broker/>',
      'line 2: a second root element <broker> after <broker> (a document has one)',
    ],
    [
      'a closing tag after the root',
      '<broker/></broker>',
      'line 1: closing tag </broker> after the root element',
    ],
    [
      'a closing tag without an opening tag',
      '</broker>',
      'line 1: closing tag </broker> without an opening tag',
    ],
    [
      'a DOCTYPE (refused, so no entity is ever expanded)',
      '<?xml version="1.0"?>\n<!DOCTYPE broker [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n<broker>&lol2;</broker>',
      'line 2: a DOCTYPE is not allowed (it could declare entities to expand); configurations have none',
    ],
    [
      'an unknown entity',
      '<broker>\n  &nbsp;</broker>',
      'line 2: unknown entity &nbsp; (without a DTD only &lt; &gt; &amp; &quot; &apos; exist)',
    ],
    [
      'a bare & in text',
      '<broker>fish & chips</broker>',
      `line 1: '&' that does not start a reference (write &amp; for a literal '&')`,
    ],
    [
      'a bare & in a value',
      '<broker\n  a="x&y"/>',
      `line 2: '&' that does not start a reference (write &amp; for a literal '&')`,
    ],
    ['a reference to character 0', '<broker a="&#0;"/>', 'line 1: &#0; is not a character XML allows'],
    [
      'a reference to a surrogate',
      '<broker>&#xD800;</broker>',
      'line 1: &#xD800; is not a character XML allows',
    ],
    [
      'a reference beyond Unicode',
      '<broker>&#x110000;</broker>',
      'line 1: &#x110000; is not a character XML allows',
    ],
    ['< in a value', '<broker a="<"/>', `line 1: '<' in the value of attribute a of <broker> (write &lt;)`],
    [
      '< not starting a tag',
      '<broker>< plugins/></broker>',
      `line 1: '<' not followed by an element name (write &lt; for a literal '<')`,
    ],
    ['a comment never closed', '<broker>\n<!-- x\n</broker>', 'line 2: comment is never closed (no -->)'],
    ['-- inside a comment', '<broker><!-- a -- b --></broker>', `line 1: '--' inside a comment`],
    [
      'a CDATA section never closed',
      '<broker><![CDATA[x</broker>',
      'line 1: CDATA section is never closed (no ]]>)',
    ],
    ['CDATA outside the root', '<![CDATA[x]]><broker/>', 'line 1: CDATA section outside the root element'],
    [
      'a processing instruction never closed',
      '<broker><?pi </broker>',
      'line 1: processing instruction is never closed (no ?>)',
    ],
    [
      'an XML declaration after whitespace',
      ' <?xml version="1.0"?><broker/>',
      'line 1: the XML declaration <?xml …?> is only allowed at the very start of the document',
    ],
    [
      'an XML declaration after the root',
      '<broker/>\n<?xml version="1.0"?>',
      'line 2: the XML declaration <?xml …?> is only allowed at the very start of the document',
    ],
    [
      '<! that is no comment',
      '<broker><!ELEMENT x></broker>',
      `line 1: '<!' that starts no comment or CDATA section`,
    ],
    ['a control character', '<broker>\n\u0001</broker>', 'line 2: character U+0001 is not allowed in XML'],
    [
      'CRLF line ends (counted once)',
      '<broker>\r\n<a>\r\n</broker>',
      'line 3: closing tag </broker> does not match <a> (opened on line 2)',
    ],
  ])('rejects %s with the line and the reason', (_name, xml, error) => {
    expect(errorOf(xml)).toBe(error);
  });
});

/** Every .xml file under a test folder, and every XML string of a scenario, by where it comes from. */
function repositoryDocuments(): [string, string][] {
  const documents: [string, string][] = [];
  const packages = readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name));
  for (const folder of [...packages.map((p) => join(p, 'test')), join(ROOT, 'test')]) {
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.xml')) continue;
      const path = join(folder, file);
      documents.push([relative(ROOT, path), readFileSync(path, 'utf8')]);
    }
  }
  for (const folder of packages.map((p) => join(p, 'scenarios'))) {
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
      const path = join(folder, file);
      const visit = (value: unknown, pointer: string): void => {
        if (typeof value === 'string' && value.trimStart().startsWith('<')) {
          documents.push([`${relative(ROOT, path)}#${pointer}`, value]);
        } else if (value !== null && typeof value === 'object') {
          for (const [key, child] of Object.entries(value)) visit(child, `${pointer}/${key}`);
        }
      };
      visit(JSON.parse(readFileSync(path, 'utf8')), '');
    }
  }
  return documents;
}

describe('Function: parseXml, against fast-xml-parser', () => {
  const documents = repositoryDocuments();

  it('finds the fixtures and scenario documents of the repository', () => {
    const sources = documents.map(([source]) => source);
    expect(sources).toContain('packages/core/test/fixtures/activemq/amazon-mq-default-5.18.xml');
    expect(sources.filter((s) => s.startsWith('packages/local/scenarios/')).length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ...documents,
    ['Spring-wrapped configuration', SPRING_WRAPPED],
    ['prefixed network configuration', PREFIXED_NETWORK],
    ['local cloud default', LOCAL_DEFAULT],
  ])('gives the same tree for %s', (_source, xml) => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(json(parse(xml))).toBe(json(reference.parse(xml)));
  });

  /** Random well-formed documents within what both read the same (no character references, no DTD). */
  const elementName = fc.constantFrom(
    'broker',
    'amq:broker',
    'policyEntry',
    'plugins',
    'a',
    'x:a',
    'b-c',
    'd.e',
    '_f',
  );
  // biome-ignore format: a table of tokens
  const valueToken = fc.constantFrom(
    'a', 'Z', '0', ' ', '\t', '\n', '\r\n', '>', '/', '.', '*', ',', '=', 'é', '日',
    '"', "'", '&lt;', '&gt;', '&amp;', '&quot;', '&apos;', 'lt;',
  );
  // biome-ignore format: a table of tokens
  const textToken = fc.constantFrom(
    'text', ' ', '\n', '\t', '\r\n', '>', ']', '/', 'é', '"', "'", '&lt;', '&gt;', '&amp;', '&quot;', '&apos;', 'lt;',
  );
  const attribute = fc
    .record({
      name: fc.constantFrom(
        'queue',
        'amq:queue',
        'memoryLimit',
        'xmlns',
        'xmlns:amq',
        'xsi:schemaLocation',
        'b-c',
      ),
      quote: fc.constantFrom('"', "'"),
      value: fc.array(valueToken, { maxLength: 6 }).map((tokens) => tokens.join('')),
      before: fc.constantFrom(' ', '\n    ', '\t'),
      equals: fc.constantFrom('=', ' = '),
    })
    .map((a) => ({
      name: a.name,
      text: `${a.before}${a.name}${a.equals}${a.quote}${a.value.replaceAll(a.quote, a.quote === '"' ? '&quot;' : '&apos;')}${a.quote}`,
    }));
  const text = fc.array(textToken, { minLength: 1, maxLength: 5 }).map((tokens) => tokens.join(''));
  const comment = fc.constantFrom('<!-- note -->', '<!--<plugins/> & more-->', '<!---->');
  const cdata = fc.constantFrom('<![CDATA[]]>', '<![CDATA[ <b>&amp; ]]>', '<![CDATA[x]]>');
  const instruction = fc.constantFrom('<?pi?>', '<?pi some data?>');
  const { element } = fc.letrec<{ element: string; node: string }>((tie) => ({
    element: fc
      .record({
        name: elementName,
        attributes: fc.uniqueArray(attribute, { selector: (a) => a.name, maxLength: 3 }),
        content: fc.array(tie('node'), { maxLength: 4 }),
        selfClosing: fc.boolean(),
        space: fc.constantFrom('', ' ', '\n  '),
      })
      .map(({ name, attributes, content, selfClosing, space }) => {
        const start = `<${name}${attributes.map((a) => a.text).join('')}${space}`;
        return content.length === 0 && selfClosing
          ? `${start}/>`
          : `${start}>${content.join('')}</${name}${space}>`;
      }),
    node: fc.oneof({ depthSize: 'small', maxDepth: 4 }, text, comment, cdata, instruction, tie('element')),
  }));
  const misc = fc.array(fc.constantFrom('\n', '  ', '<!-- c -->', '<?pi x?>'), { maxLength: 3 });
  const document = fc
    .tuple(
      fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'),
      misc,
      element,
      misc,
    )
    .map(([declaration, before, root, after]) => `${declaration}${before.join('')}${root}${after.join('')}`);

  it('gives the same tree for random well-formed documents', () => {
    fc.assert(
      fc.property(document, (xml) => {
        expect(XMLValidator.validate(xml)).toBe(true);
        expect(json(parse(xml))).toBe(json(reference.parse(xml)));
      }),
      { numRuns: 500 },
    );
  });
});
