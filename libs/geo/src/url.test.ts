import { describe, expect, it } from 'vitest';
import { HostKind, InvalidUrlError, normaliseUrl } from './index.js';

describe('normaliseUrl', () => {
  it.each([
    ['decimal', 'http://3232235777/', 'http://192.168.1.1/'],
    ['decimal, public', 'http://3110811649/img', 'http://185.107.56.1/img'],
    ['hex', 'http://0xB96B3801/', 'http://185.107.56.1/'],
    ['dotted hex', 'http://0x8.0x8.0x8.0x8/', 'http://8.8.8.8/'],
    ['octal', 'http://0271.0153.070.01/', 'http://185.107.56.1/'],
    ['dotted octal with leading zeros', 'http://010.010.010.010/', 'http://8.8.8.8/'],
    ['shortened (two parts)', 'http://127.1/', 'http://127.0.0.1/'],
    ['shortened (three parts)', 'http://185.107.14337/', 'http://185.107.56.1/'],
    ['full-width digits', 'http://１８５．１０７．５６．１/', 'http://185.107.56.1/'],
    ['percent-encoded host', 'http://%31%38%35.107.56.1/', 'http://185.107.56.1/'],
    ['credentials that look like a host', 'http://www.politie.nl@185.107.56.1/', 'http://185.107.56.1/'],
  ])('reduces an IPv4 host written in %s form to the dotted quad a browser contacts', (_form, input, expected) => {
    const n = normaliseUrl(input);
    expect(n.normalizedUrl).toBe(expected);
    expect(n.hostKind).toBe(HostKind.IPv4);
    expect(n.registrableDomain).toBe('');
    expect(n.url).toBe(input);
  });

  it('writes an IPv6 host in brackets in RFC 5952 form and keeps the address as host', () => {
    const n = normaliseUrl('http://[2A01:04F8:0000:0000:0000:0000:0000:0001]:8080/x');
    expect(n.normalizedUrl).toBe('http://[2a01:4f8::1]:8080/x');
    expect(n.host).toBe('2a01:4f8::1');
    expect(n.hostKind).toBe(HostKind.IPv6);
  });

  it('turns an IDN host into punycode and finds its registrable domain', () => {
    const n = normaliseUrl('https://Fotos.Bücher.de/album');
    expect(n.normalizedUrl).toBe('https://fotos.xn--bcher-kva.de/album');
    expect(n.host).toBe('fotos.xn--bcher-kva.de');
    expect(n.registrableDomain).toBe('xn--bcher-kva.de');
  });

  it('lower-cases the host and drops the default port, the fragment and a trailing dot', () => {
    expect(normaliseUrl('HTTP://WWW.Example.CO.UK.:80/A/../Path?Q=1#top').normalizedUrl).toBe('http://www.example.co.uk/Path?Q=1');
    expect(normaliseUrl('https://example.com:443/').normalizedUrl).toBe('https://example.com/');
    expect(normaliseUrl('https://example.com:8443/').normalizedUrl).toBe('https://example.com:8443/');
  });

  it('takes the registrable domain from the public suffix list, private suffixes included', () => {
    expect(normaliseUrl('http://a.b.example.co.uk/').registrableDomain).toBe('example.co.uk');
    expect(normaliseUrl('https://someone.github.io/x').registrableDomain).toBe('someone.github.io');
  });

  it('accepts what reporters paste without a scheme', () => {
    expect(normaliseUrl('www.example.nl/gallery').normalizedUrl).toBe('http://www.example.nl/gallery');
    expect(normaliseUrl('185.107.56.1').normalizedUrl).toBe('http://185.107.56.1/');
    expect(normaliseUrl('2a01:4f8::1').normalizedUrl).toBe('http://[2a01:4f8::1]/');
  });

  it.each([
    ['', 'it is empty'],
    ['ftp://files.example.com/x', 'scheme ftp is not http or https'],
    ['http://999.1.1.1/', 'WHATWG'],
    ['http://exa mple.com/', 'WHATWG'],
    ['http://[2001:db8::zz]/', 'WHATWG'],
  ])('refuses %j with a reason', (input, reason) => {
    expect(() => normaliseUrl(input)).toThrow(InvalidUrlError);
    expect(() => normaliseUrl(input)).toThrow(reason);
  });
});
