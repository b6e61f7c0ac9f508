import {describe, expect, it} from 'vitest';
import {MAX_PAGE_NAME_LENGTH, validatePageName} from '../../shared/index.js';

describe('validatePageName', () => {
  it('accepts a page name and returns it', () => {
    expect(validatePageName('FrontPage')).toEqual({ok: true, name: 'FrontPage'});
  });

  it('trims surrounding white space', () => {
    expect(validatePageName('  HelpContents \n\t')).toEqual({ok: true, name: 'HelpContents'});
  });

  it('accepts unicode, spaces, slashes and symbols inside a name', () => {
    for (const name of [
      'Ünïcödé/页面 🙂',
      'Sub/Page Name',
      'O\'Brien: "Notes" & <x>',
      'a\u200db',
    ]) {
      expect(validatePageName(name)).toEqual({ok: true, name});
    }
  });

  it.each([undefined, null, 42, true, {}, ['FrontPage']])('rejects %j: not a string', (raw) => {
    expect(validatePageName(raw)).toEqual({ok: false, message: 'The page name must be a string.'});
  });

  it.each(['', '   ', '\n\t '])('rejects %j: empty once trimmed', (raw) => {
    expect(validatePageName(raw)).toEqual({ok: false, message: 'The page name is empty.'});
  });

  it('accepts 512 characters and rejects 513', () => {
    expect(MAX_PAGE_NAME_LENGTH).toBe(512);
    expect(validatePageName('x'.repeat(512))).toMatchObject({ok: true});
    expect(validatePageName('x'.repeat(513))).toEqual({
      ok: false,
      message: 'The page name is longer than 512 characters.',
    });
  });

  it('measures the length after trimming', () => {
    expect(validatePageName(` ${'x'.repeat(512)} `)).toMatchObject({ok: true});
  });

  it.each(['a\u0000b', 'a\tb', 'a\nb', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009fb'])(
    'rejects %j: it holds a control character',
    (raw) => {
      expect(validatePageName(raw)).toEqual({
        ok: false,
        message: 'The page name holds control characters.',
      });
    }
  );
});
