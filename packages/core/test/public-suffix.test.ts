import { describe, it, expect } from 'vitest';
import { isPublicSuffix, publicSuffixRules } from '../src/public-suffix.js';
import { PUBLIC_SUFFIX_RULE_COUNT } from '../src/generated/public-suffix-data.js';

describe('isPublicSuffix', () => {
  it.each([
    ['com', 'ICANN TLD'],
    ['uk', 'ICANN TLD'],
    ['jp', 'ICANN TLD'],
    ['co.uk', 'ICANN second level'],
    ['co.jp', 'ICANN second level'],
    ['github.io', 'private section'],
    ['blogspot.com', 'private section'],
    ['s3.amazonaws.com', 'private section, under com'],
    ['localhost', 'implicit * rule'],
    ['nosuchtld', 'implicit * rule'],
    ['foo.ck', 'wildcard *.ck'],
    ['anything.bd', 'wildcard *.bd'],
    ['foo.kawasaki.jp', 'wildcard *.kawasaki.jp'],
    ['foo.sch.uk', 'wildcard *.sch.uk'],
    ['us-east-1.compute.amazonaws.com', 'private wildcard *.compute.amazonaws.com'],
    ['xn--p1ai', 'IDN TLD (рф)'],
    ['xn--55qx5d.cn', 'IDN rule 公司.cn, stored in punycode'],
    ['xn--1lqs71d.jp', 'IDN rule 東京.jp, stored in punycode'],
  ])('%s is a public suffix (%s)', (host) => {
    expect(isPublicSuffix(host)).toBe(true);
  });

  it.each([
    ['example.com', 'registrable domain'],
    ['app.example.com', 'subdomain'],
    ['example.co.uk', 'registrable under co.uk'],
    ['app.example.co.uk', 'subdomain under co.uk'],
    ['foo.github.io', 'registrable under a private suffix'],
    ['www.ck', 'exception !www.ck'],
    ['city.kawasaki.jp', 'exception !city.kawasaki.jp'],
    ['kawasaki.jp', 'only *.kawasaki.jp is listed, so jp is its suffix'],
    ['a.b.ck', 'two labels below *.ck'],
    ['example.xn--p1ai', 'registrable under an IDN TLD'],
    ['公司.cn', 'Unicode input is not looked up'],
    ['', 'empty host'],
  ])('%s is not a public suffix (%s)', (host) => {
    expect(isPublicSuffix(host)).toBe(false);
  });
});

describe('rule data', () => {
  it('keeps every rule of the list', () => {
    expect(publicSuffixRules().size).toBe(PUBLIC_SUFFIX_RULE_COUNT);
  });
});
