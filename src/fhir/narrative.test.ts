import { describe, expect, it } from 'vitest';
import { FhirXmlError, fromFhirXml, toFhirXml, withCanonicalNarratives } from './xml.js';

/**
 * FHIR STU3 narrative rules (narrative.html, txt-1 and txt-2), applied to a `text.div` both when
 * JSON is written as XML (the check every stored resource passes) and when XML is read.
 */
const XHTML = 'http://www.w3.org/1999/xhtml';
const div = (inner: string, attrs = '') => `<div xmlns="${XHTML}"${attrs}>${inner}</div>`;

function asJson(divText: string): () => string {
  return () => toFhirXml({ resourceType: 'Appointment', text: { status: 'generated', div: divText } });
}

function asXml(divText: string): () => unknown {
  return () =>
    fromFhirXml(
      `<Appointment xmlns="http://hl7.org/fhir"><text><status value="generated"/>${divText}</text></Appointment>`,
    );
}

const REFUSED: Array<[string, string, RegExp]> = [
  ['a script', div('<p>x</p><script>alert(1)</script>'), /<script> is not allowed/],
  ['a style element', div('<style>p{}</style><p>x</p>'), /<style> is not allowed/],
  ['an iframe', div('<iframe src="#a"></iframe><p>x</p>'), /<iframe> is not allowed/],
  ['an object', div('<object data="x"></object><p>x</p>'), /<object> is not allowed/],
  ['an embed', div('<embed src="x"/><p>x</p>'), /<embed> is not allowed/],
  ['a form', div('<form><input/></form><p>x</p>'), /<form> is not allowed/],
  ['a link element', div('<link rel="stylesheet" href="x.css"/><p>x</p>'), /<link> is not allowed/],
  ['a base element', div('<base href="https://evil.example/"/><p>x</p>'), /<base> is not allowed/],
  ['an svg', `<div xmlns="${XHTML}"><svg><p>x</p></svg></div>`, /<svg> is not allowed/],
  ['onclick', div('<p onclick="steal()">x</p>'), /attribute onclick on narrative <p> is not allowed/],
  ['onload on the div', div('x', ' onload="steal()"'), /attribute onload on narrative <div> is not allowed/],
  ['ONMOUSEOVER', div('<b ONMOUSEOVER="steal()">x</b>'), /attribute ONMOUSEOVER .* is not allowed/],
  ['a javascript: link', div('<a href="javascript:steal()">x</a>'), /uses the javascript: scheme/],
  [
    'a disguised javascript: link',
    div('<a href=" java&#9;script:steal()">x</a>'),
    /uses the javascript: scheme/,
  ],
  ['a data: link', div('<a href="data:text/html,&lt;script&gt;">x</a>'), /uses the data: scheme/],
  ['a vbscript: link', div('<a href="VBScript:x">x</a>'), /uses the vbscript: scheme/],
  [
    'an external image',
    div('<img src="https://tracker.example/p.gif" alt="x"/>'),
    /is an external reference/,
  ],
  ['a protocol-relative image', div('<img src="//tracker.example/p.gif"/>'), /is an external reference/],
  [
    'a style loading a url',
    div('<p style="background:url(https://x.example/a)">x</p>'),
    /loads or runs something/,
  ],
  ['a style expression', div('<p style="width:expression(alert(1))">x</p>'), /loads or runs something/],
  ['a lone high surrogate in text', div('<p>\ud800lone</p>'), /XML 1\.0 cannot carry \(U\+D800/],
  [
    'a style loading through image-set()',
    div('<p style="background:image-set(\'https://evil.example/x.png\' 1x)">x</p>'),
    /loads or runs something/,
  ],
  [
    'a style loading through -webkit-image-set()',
    div('<p style="background:-webkit-image-set(\'https://evil.example/x.png\' 1x)">x</p>'),
    /loads or runs something/,
  ],
  [
    'a style loading through cross-fade()',
    div('<p style="background:cross-fade(a, b)">x</p>'),
    /loads or runs something/,
  ],
  ['a style escape', div('<p style="background:\\75rl(x)">x</p>'), /loads or runs something/],
  // Markup a browser reads differently from XML (mutation XSS): none of it is XHTML content.
  [
    'a CDATA section hiding an element',
    div('<![CDATA[><img src=x onerror=alert(1)>]]>'),
    /a CDATA section .* is not allowed in a FHIR narrative/,
  ],
  [
    'a CDATA section inside a paragraph',
    div('<p>a<![CDATA[b]]></p>'),
    /a CDATA section .* is not allowed in a FHIR narrative/,
  ],
  [
    'a comment hiding an element',
    div('<p>a</p><!--><img src=x onerror=alert(2)>-->'),
    /a comment .* is not allowed in a FHIR narrative/,
  ],
  ['an empty comment', div('<p>a<!----></p>'), /a comment .* is not allowed in a FHIR narrative/],
  [
    'a processing instruction',
    div('<?xml-stylesheet href="http://evil/x.xsl"?><p>a</p>'),
    /a processing instruction <\?xml-stylesheet\?> is not allowed/,
  ],
  [
    'a processing instruction deep inside',
    div('<p><b>a<?php echo 1 ?></b></p>'),
    /a processing instruction <\?php\?> is not allowed/,
  ],
  ['no text at all', div('<p> </p>'), /has no text \(txt-2/],
  ['a root that is not a div', `<p xmlns="${XHTML}">x</p>`, /must be a <div>|unknown element <p>/],
];

const ALLOWED: Array<[string, string]> = [
  ['formatting and a table', div('<p>Mr <b>Smith</b></p><table><tr><td class="x">1</td></tr></table>')],
  [
    'a web link and a mail link',
    div('<a href="https://www.nhs.uk/">NHS</a> <a href="mailto:a@b.example">mail</a>'),
  ],
  ['a link inside the resource', div('<a href="#c1">see</a>')],
  ['an image of a contained resource', div('<img src="#pic" alt="x"/>')],
  ['an inline image', div('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x"/>')],
  ['a plain style', div('<p style="color: red; font-weight: bold">x</p>')],
];

/** Markup around the root div: only a JSON div can carry it (in XML it is outside the div). */
const REFUSED_AROUND_ROOT: Array<[string, string, RegExp]> = [
  ['a comment before the div', `<!--x-->${div('a')}`, /a comment .* is not allowed/],
  ['a comment after the div', `${div('a')}<!--x-->`, /a comment .* is not allowed/],
  [
    'a stylesheet instruction before the div',
    `<?xml-stylesheet href="http://evil/x.xsl"?>${div('a')}`,
    /a processing instruction/,
  ],
  ['an XML declaration', `<?xml version="1.0"?>${div('a')}`, /an XML declaration is not allowed/],
  [
    'a DOCTYPE declaring an entity',
    `<!DOCTYPE div [<!ENTITY x "<img src=x onerror=alert(3)>">]>${div('&x;')}`,
    /a DOCTYPE \(or entity declaration\) is not allowed/,
  ],
];

describe('narrative rules', () => {
  it.each(REFUSED_AROUND_ROOT)('JSON written as XML refuses %s, naming text.div', (_name, text, message) => {
    expect(asJson(text)).toThrow(message);
    expect(asJson(text)).toThrow(/Appointment\.text\.div/);
    expect(asJson(text)).toThrow(FhirXmlError);
  });

  describe.each([
    ['JSON written as XML', asJson],
    ['XML read', asXml],
  ] as const)('%s', (_how, run) => {
    it.each(REFUSED)('refuses %s, naming text.div', (_name, text, message) => {
      expect(run(text)).toThrow(message);
      expect(run(text)).toThrow(/Appointment\.text(\.div)?/);
      expect(run(text)).toThrow(FhirXmlError);
    });

    it.each(ALLOWED)('keeps %s', (_name, text) => {
      expect(run(text)).not.toThrow();
    });
  });
});

describe('the canonical narrative both formats serve', () => {
  const canonical = (text: string) =>
    withCanonicalNarratives({ resourceType: 'Appointment', text: { status: 'generated', div: text } }).text
      .div;

  it.each([
    [
      'an empty paragraph and link, written open and closed',
      div('a<p/><a href="#x"/>b'),
      div('a<p></p><a href="#x"></a>b'),
    ],
    [
      'void elements, written empty',
      div('a<br></br><hr/><img src="#p"></img>'),
      div('a<br/><hr/><img src="#p"/>'),
    ],
    [
      'no namespace, single quotes, references',
      "<div><p title='&lt;'>a &#62; b</p></div>",
      div('<p title="&lt;">a &gt; b</p>'),
    ],
  ])('writes %s as HTML reads it', (_name, text, expected) => {
    expect(canonical(text)).toBe(expected);
    // The same form comes back from XML, and writing it again changes nothing.
    const xml = toFhirXml({ resourceType: 'Appointment', text: { status: 'generated', div: text } });
    expect((fromFhirXml(xml) as { text: { div: string } }).text.div).toBe(expected);
    expect(canonical(expected)).toBe(expected);
  });

  it('leaves the resource it is given unchanged', () => {
    const resource = { resourceType: 'Appointment', text: { status: 'generated', div: '<div>a</div>' } };
    withCanonicalNarratives(resource);
    expect(resource.text.div).toBe('<div>a</div>');
  });
});
