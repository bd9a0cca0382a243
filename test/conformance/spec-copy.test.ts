// The OpenAPI document the conformance suite validates against: test/spec keeps a copy so a clone
// on its own can run the suite; beside the project's shared spec the two must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { SHARED_SPEC_PATH, VENDORED_SPEC_PATH } from '../helpers/openapi.js';

test('the copy in test/spec is the shared OpenAPI document', (t) => {
  assert.ok(existsSync(VENDORED_SPEC_PATH), 'test/spec holds a copy');
  if (!existsSync(SHARED_SPEC_PATH)) return t.skip('no shared spec beside this checkout');
  assert.equal(readFileSync(VENDORED_SPEC_PATH, 'utf8'), readFileSync(SHARED_SPEC_PATH, 'utf8'), 'copy test/spec from ../shared/spec');
});
