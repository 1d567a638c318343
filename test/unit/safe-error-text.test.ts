// What an error may say once it is stored or shown: no URL (credentials), one line, at most 300 characters.
import { safeErrorText } from '../../src/observability/safe-error-text';

it('hides URLs, which may carry credentials', () => {
  expect(safeErrorText(new Error('connect failed: smtp://user:s3cret@mail.example.test:587 refused'))).toBe(
    'connect failed: <url> refused',
  );
  expect(safeErrorText('POST https://hooks.example.test/abc?token=x answered 500')).toBe('POST <url> answered 500');
});

it('keeps one line and at most 300 characters', () => {
  expect(safeErrorText(new Error('451 4.7.1\r\n  try again later'))).toBe('451 4.7.1 try again later');
  expect(safeErrorText('x'.repeat(1000))).toBe('x'.repeat(300));
});
