import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The layering rule itself (eslint/layering.mjs, in `npm run lint`): fixture sources, each linted as
 * if it were a file of a given folder of src/ (ESLint's lintText with a filePath), must fail or pass.
 * ESLint loads its config as an ES module, which jest's module system cannot: a child node runs it.
 */
const REPO = resolve(__dirname, '../../..');

interface Case {
  filePath: string;
  code: string;
}
interface Outcome {
  rules: string[];
  messages: string[];
}

const LINT = `
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const { ESLint } = require('eslint');
  const tseslint = require('typescript-eslint');
  const { layeringConfig } = await import('./eslint/layering.mjs');
  // The layering rules as eslint.config.mjs spreads them, without the type-aware rules (the
  // fixture files do not exist, so TypeScript's project service would refuse them).
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layeringConfig],
  });
  const outcomes = [];
  for (const c of input.cases) {
    const [result] = await eslint.lintText(c.code, { filePath: c.filePath });
    outcomes.push({ rules: result.messages.map((m) => m.ruleId), messages: result.messages.map((m) => m.message) });
  }
  const config = await new ESLint().calculateConfigForFile(input.configOf);
  process.stdout.write(JSON.stringify({ outcomes, rules: config.rules }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

function lint(cases: Case[], configOf: string): { outcomes: Outcome[]; rules: Record<string, unknown> } {
  const out = execFileSync(process.execPath, ['-e', LINT], {
    cwd: REPO,
    input: JSON.stringify({ cases, configOf }),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { outcomes: Outcome[]; rules: Record<string, unknown> };
}

const LAYERING = 'teller/layering';
const PACKAGES = 'no-restricted-imports';

const table: { name: string; filePath: string; code: string; fails: string[]; says?: string }[] = [
  {
    name: 'config imports the exchange (upward)',
    filePath: 'src/config/fixture.ts',
    code: "import type { DepositRecord } from '../exchange/types';\nexport type R = DepositRecord;\n",
    fails: [LAYERING],
    says: 'src/config must not import src/exchange',
  },
  {
    name: 'chains imports the sender from a subfolder (upward)',
    filePath: 'src/chains/skycoin/fixture.ts',
    code: "export { SkycoinSender } from '../../sender/skycoin-sender';\n",
    fails: [LAYERING],
  },
  {
    name: 'store re-exports the pool through its index.ts (upward)',
    filePath: 'src/store/fixture.ts',
    code: "export * from '../pool';\n",
    fails: [LAYERING],
  },
  {
    name: 'pool loads the scanner lazily (upward, dynamic import)',
    filePath: 'src/pool/fixture.ts',
    code: "export const load = async (): Promise<unknown> => import('../scanner/types.js');\n",
    fails: [LAYERING],
  },
  {
    name: 'util imports the composition root (upward)',
    filePath: 'src/util/fixture.ts',
    code: "export { App } from '../app';\n",
    fails: [LAYERING],
  },
  {
    name: 'the scanner imports the sender (siblings of one layer)',
    filePath: 'src/scanner/fixture.ts',
    code: "import type { Sender } from '../sender/types';\nexport type S = Sender;\n",
    fails: [LAYERING],
    says: 'same layer',
  },
  {
    name: 'a folder in no layer',
    filePath: 'src/newfolder/fixture.ts',
    code: "export { errorMessage } from '../util/errors';\n",
    fails: [LAYERING],
    says: 'src/newfolder is in no layer',
  },
  {
    name: 'config imports ethers (only chains/ may)',
    filePath: 'src/config/fixture.ts',
    code: "import { getAddress } from 'ethers';\nexport const a = getAddress;\n",
    fails: [PACKAGES],
    says: 'only src/chains/ imports ethers',
  },
  {
    name: 'the exchange imports level (only store/ may)',
    filePath: 'src/exchange/fixture.ts',
    code: "import { Level } from 'level';\nexport const L = Level;\n",
    fails: [PACKAGES],
  },
  {
    name: 'ops imports express (only http/ may)',
    filePath: 'src/ops/fixture.ts',
    code: "import express from 'express';\nexport const e = express;\n",
    fails: [PACKAGES],
  },
  {
    name: 'pool imports bip39 outside its one exception',
    filePath: 'src/pool/fixture.ts',
    code: "import { validateMnemonic } from 'bip39';\nexport const v = validateMnemonic;\n",
    fails: [PACKAGES],
  },
  {
    name: 'the exchange imports the sender, chains, core and util (downward)',
    filePath: 'src/exchange/fixture.ts',
    code:
      "import type { Sender } from '../sender/types';\nimport { SenderError } from '../chains/errors';\n" +
      "import { formatUnits } from '../core/amounts';\nimport { errorMessage } from '../util/errors';\n" +
      'export type S = Sender;\nexport const x = [SenderError, formatUnits, errorMessage];\n',
    fails: [],
  },
  {
    name: 'chains imports ethers',
    filePath: 'src/chains/ethereum/fixture.ts',
    code: "import { getAddress } from 'ethers';\nexport const a = getAddress;\n",
    fails: [],
  },
  {
    name: 'store imports level',
    filePath: 'src/store/fixture.ts',
    code: "import { Level } from 'level';\nexport const L = Level;\n",
    fails: [],
  },
  {
    name: 'http imports express',
    filePath: 'src/http/api/fixture.ts',
    code: "import express from 'express';\nexport const e = express;\n",
    fails: [],
  },
  {
    name: 'pool/generate.ts imports bip39 (its documented exception)',
    filePath: 'src/pool/generate.ts',
    code: "import { validateMnemonic } from 'bip39';\nexport const v = validateMnemonic;\n",
    fails: [],
  },
  {
    name: 'the composition root imports every layer',
    filePath: 'src/app.ts',
    code: "export { startServer } from './http/server';\nexport { Exchange } from './exchange/exchange';\n",
    fails: [],
  },
  {
    name: 'tests import what they test',
    filePath: 'test/unit/fixture.test.ts',
    code: "export { App } from '../../src/app';\nexport { Level } from 'level';\n",
    fails: [],
  },
];

describe('npm run lint: layering of src/ (eslint/layering.mjs)', () => {
  const { outcomes, rules } = lint(
    table.map(({ filePath, code }) => ({ filePath, code })),
    'src/config/validate.ts',
  );

  it.each(table.map((t, i) => [t.name, t, outcomes[i]] as const))('%s', (_name, t, outcome) => {
    expect(outcome.rules).toEqual(t.fails);
    if (t.says) expect(outcome.messages.join('\n')).toContain(t.says);
  });

  it('is part of the project config that npm run lint uses', () => {
    expect(rules[LAYERING]).toEqual([2]);
    expect(JSON.stringify(rules[PACKAGES])).toContain('ethers');
  });
});
