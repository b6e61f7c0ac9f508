import {runInNewContext} from 'node:vm';
import {describe, expect, it} from 'vitest';
import {ERROR_CODES, MoinError, isMoinError} from '../../shared/index.js';
import type {ErrorCode} from '../../shared/index.js';

describe('ERROR_CODES', () => {
  it.each(Object.entries(ERROR_CODES))('gives %s an HTTP error status and a sentence', (_, e) => {
    expect(Number.isInteger(e.status) && e.status >= 400 && e.status <= 599).toBe(true);
    expect(e.message).toMatch(/^[A-Z].*\.$/);
  });

  it.each<[ErrorCode, number]>([
    ['bad_json', 400],
    ['invalid_credentials', 401],
    ['not_superuser', 403],
    ['target_is_superuser', 403],
    ['unknown_user', 404],
    ['method_not_allowed', 405],
    ['already_switched', 409],
    ['body_too_large', 413],
    ['unsupported_media_type', 415],
    ['too_many_attempts', 429],
    ['internal_error', 500],
    ['store_unavailable', 503],
  ])('answers %s with %i', (code, status) => {
    expect(ERROR_CODES[code].status).toBe(status);
  });
});

describe('MoinError', () => {
  it('carries the code, its status and its default sentence', () => {
    const error = new MoinError('store_unavailable');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'MoinError',
      code: 'store_unavailable',
      status: 503,
      message: ERROR_CODES.store_unavailable.message,
    });
    expect(error.toBody()).toEqual({
      error: {code: 'store_unavailable', message: ERROR_CODES.store_unavailable.message},
    });
  });

  it('takes a more precise sentence', () => {
    const error = new MoinError('store_unavailable', 'The session store /x.db is closed.');
    expect(error.status).toBe(503);
    expect(error.toBody().error.message).toBe('The session store /x.db is closed.');
  });
});

describe('isMoinError', () => {
  it('recognises a MoinError', () => {
    expect(isMoinError(new MoinError('not_found'))).toBe(true);
  });

  it('recognises a MoinError from another realm by its name', () => {
    const foreign = runInNewContext(
      'const e = new Error("x"); e.name = "MoinError"; e.code = "not_found"; e'
    ) as unknown;
    expect(foreign instanceof MoinError).toBe(false);
    expect(foreign instanceof Error).toBe(false);
    expect(isMoinError(foreign)).toBe(true);
  });

  it.each([
    new Error('x'),
    new TypeError('MoinError'),
    {name: 'Other'},
    'MoinError',
    null,
    undefined,
  ])('rejects %j', (value) => {
    expect(isMoinError(value)).toBe(false);
  });
});
