import { ERRORS } from '@varsel/shared';
import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorFromBody } from './api-client.js';
import { errorDetails, errorMessage } from './error-messages.js';

describe('errorMessage', () => {
  it('gives the Danish text of a known error with its stable code', () => {
    const err = apiErrorFromBody(401, { code: 40102, error: 'Wrong username or password.', name: 'BAD_CREDENTIALS' });
    expect(errorMessage(err, 'da')).toBe('Forkert brugernavn eller adgangskode. (fejlkode 40102)');
    expect(errorMessage(err, 'en')).toBe('Wrong username or password. (error code 40102)');
  });

  it('has a message of its own for every catalogued error', () => {
    const generic = errorMessage(new ApiError({ message: '', status: 500 }), 'da');
    for (const name of Object.keys(ERRORS) as (keyof typeof ERRORS)[]) {
      const message = errorMessage(apiErrorFromBody(ERRORS[name].http, { code: ERRORS[name].code, name, error: '' }), 'da');
      expect(message).toContain(String(ERRORS[name].code));
      expect(message).not.toBe(generic);
    }
  });

  it('finds the error by its code when the name is missing or unknown', () => {
    const err = apiErrorFromBody(404, { code: 40402, error: 'No such alert.', name: 'SOMETHING_NEWER' });
    expect(err.errorName).toBe('ALERT_NOT_FOUND');
    expect(errorMessage(err, 'da')).toContain('Udsendelsen findes ikke');
  });

  it('carries the errorId of an unexpected server error', () => {
    const err = apiErrorFromBody(500, { code: 50001, error: 'Internal error.', name: 'INTERNAL', errorId: 'e-42' });
    expect(errorMessage(err, 'da')).toBe('Der skete en fejl på serveren. (fejlkode 50001) (fejl-id e-42)');
  });

  it('says the server did not answer when the request got no response', () => {
    expect(errorMessage(new ApiError({ message: 'fetch failed', status: 0, transport: 'network' }), 'da')).toMatch(/svarer ikke/);
    expect(errorMessage(new ApiError({ message: 'timeout', status: 0, transport: 'timeout' }), 'da')).toMatch(/i tide/);
  });

  it('reads a socket ack error by its code', () => {
    expect(errorMessage({ code: 40301, message: 'Your role does not allow this.' }, 'da')).toBe('Din rolle giver ikke adgang til dette. (fejlkode 40301)');
  });

  it('falls back to a generic text for a body that is not ours', () => {
    expect(errorMessage(apiErrorFromBody(502, undefined), 'da')).toBe('Der skete en uventet fejl.');
  });
});

describe('errorDetails', () => {
  it('lists the fields of a VALIDATION_FAILED answer in Danish', () => {
    const err = apiErrorFromBody(400, {
      code: 40002,
      name: 'VALIDATION_FAILED',
      error: 'The input failed validation.',
      details: [
        { code: 'too_small', path: ['content', 'da', 'title'], minimum: 1, origin: 'string', message: 'Too small' },
        { code: 'invalid_format', format: 'url', path: ['link'], message: 'Invalid URL' },
      ],
    });
    expect(errorDetails(err).map((d) => [d.path, d.problem.key])).toEqual([
      ['content.da.title', 'field.required'],
      ['link', 'field.url'],
    ]);
  });

  it('accepts issues wrapped in an object and ignores details of other errors', () => {
    const wrapped = apiErrorFromBody(400, { code: 40002, name: 'VALIDATION_FAILED', details: { issues: [{ code: 'too_big', maximum: 120, path: ['x'] }] } });
    expect(errorDetails(wrapped)).toEqual([{ path: 'x', problem: { key: 'field.tooLong', params: { max: 120 } } }]);
    expect(errorDetails(apiErrorFromBody(404, { code: 40402, name: 'ALERT_NOT_FOUND', details: [{ path: ['x'] }] }))).toEqual([]);
  });
});
