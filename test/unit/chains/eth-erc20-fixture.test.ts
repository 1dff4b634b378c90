import { readFileSync, writeFileSync } from 'node:fs';
import { FIXTURE_PATH, compileContracts, type Fixture } from '../../helpers/erc20';

/**
 * test/fixtures/erc20.json is the compiled test/helpers/erc20.ts SOURCE, committed so integration
 * tests skip the ~1.5 s solc-js compile. This fails when the source or solc changed without
 * regenerating it: `UPDATE_FIXTURES=1 npx jest test/unit/chains/eth-erc20-fixture`.
 */
describe('test/fixtures/erc20.json', () => {
  it('matches a fresh solc-js compile of the test contracts', () => {
    const fresh = compileContracts();
    if (process.env.UPDATE_FIXTURES === '1')
      writeFileSync(FIXTURE_PATH, `${JSON.stringify(fresh, null, 2)}\n`);
    const committed = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as Fixture;
    expect(committed).toEqual(fresh);
    expect(committed.Token.bytecode).toMatch(/^0x[0-9a-f]{1000,}$/);
  });
});
