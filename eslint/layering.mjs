/**
 * The import layering of src/, checked by `npm run lint` (rule `teller/layering`).
 *
 * Layers, lowest first; a folder imports only folders of lower layers, never a higher one nor a
 * sibling of its own layer. The data flows config → store → pool → chains → scanner → exchange →
 * sender → http; the imports differ from that flow where a layer uses another's contract:
 * - util and core are below everything: core holds the money maths and the deposit vocabulary
 *   (statuses, coins, deposit ids) that every layer shares;
 * - chains sits below pool: pools derive and check addresses with the chains' codecs;
 * - sender sits below exchange: the exchange drives payouts through the sender's interface, and the
 *   errors the payout chains raise are defined in chains/errors.ts;
 * - rates (market-following rates) sits above exchange: it drives the exchange's RateBook; ops
 *   (metrics), http (dummy and admin routes) and service read it;
 * - service sits above http: it implements the interfaces http/services.ts declares;
 * - commands (the admin CLI) and the files directly in src/ (cli.ts, app.ts the composition root,
 *   pipeline.ts) are on top.
 * test/unit/architecture/folder-cycles.test.ts checks separately that no folders import each other
 * in a cycle; test/unit/architecture/layering-lint.test.ts checks that this rule fails a violation.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT_FILES = '(root)';

export const LAYERS = [
  ['util'],
  ['core'],
  ['config'],
  ['store'],
  ['chains'],
  ['pool'],
  ['scanner', 'sender'],
  ['exchange'],
  ['rates'],
  ['passthrough', 'ops'],
  ['http'],
  ['service'],
  ['commands'],
  [ROOT_FILES],
];

/** Packages only one folder may import (`import/no-restricted-paths` in spirit; see `packageRules`). */
export const PACKAGE_OWNERS = {
  chains: ['ethers', 'bitcoinjs-lib', 'bip32', 'bip39', 'ecpair', '@bitcoinerlab/secp256k1'],
  store: ['level'],
  http: ['express', 'helmet', 'compression'],
};

/** Files outside the owner that may import an owned package, and why. */
export const PACKAGE_EXCEPTIONS = [
  {
    files: ['src/pool/generate.ts'],
    packages: ['bip39', 'bip32'],
    reason: 'offline pool generation turns a BIP39 mnemonic into a BIP32 seed (bip32: a type only)',
  },
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const rank = new Map(LAYERS.flatMap((layer, i) => layer.map((folder) => [folder, i])));
const order = LAYERS.map((l) => l.join('|')).join(' < ');

/** The folder of src/ an absolute path (a file, or a folder imported through its index.ts) is in. */
function folderOf(path) {
  const parts = relative(SRC, path).split(sep);
  if (parts.length > 1) return parts[0];
  const dir = join(SRC, parts[0]);
  return existsSync(dir) && statSync(dir).isDirectory() ? parts[0] : ROOT_FILES;
}

const layering = {
  meta: {
    type: 'problem',
    docs: { description: 'A folder of src/ imports only folders of lower layers (eslint/layering.mjs)' },
    schema: [],
    messages: {
      upward: "src/{{from}} must not import src/{{to}} ('{{specifier}}'): layers, lowest first: {{order}}",
      sibling: "src/{{from}} must not import src/{{to}} ('{{specifier}}'): same layer; layers: {{order}}",
      unknown: 'src/{{folder}} is in no layer: add it to LAYERS in eslint/layering.mjs',
    },
  },
  create(context) {
    const file = context.physicalFilename;
    if (relative(SRC, file).startsWith('..')) return {};
    const from = folderOf(file);
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      if (!specifier.startsWith('.')) return;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, ''));
      if (relative(SRC, target).startsWith('..')) return;
      const to = folderOf(target);
      if (to === from) return;
      for (const folder of [from, to]) {
        if (!rank.has(folder)) return context.report({ node, messageId: 'unknown', data: { folder } });
      }
      const data = { from, to, specifier, order };
      if (rank.get(to) > rank.get(from)) context.report({ node, messageId: 'upward', data });
      else if (rank.get(to) === rank.get(from)) context.report({ node, messageId: 'sibling', data });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export const plugin = { rules: { layering } };

const restricted = (packages, owner) =>
  packages.map((name) => ({ name, message: `only src/${owner}/ imports ${name} (eslint/layering.mjs)` }));

/**
 * `no-restricted-imports` for src/: every folder but a package's owner is refused the package.
 * One config object per folder, since a later object's options replace an earlier one's.
 */
export function packageRules() {
  const owned = Object.entries(PACKAGE_OWNERS);
  const folders = [...LAYERS.flat().filter((f) => f !== ROOT_FILES)];
  const banned = (folder, except = []) =>
    owned.flatMap(([owner, pkgs]) =>
      owner === folder
        ? []
        : restricted(
            pkgs.filter((p) => !except.includes(p)),
            owner,
          ),
    );
  return [
    { files: ['src/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: banned(ROOT_FILES) }] } },
    ...folders.map((folder) => ({
      files: [`src/${folder}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { paths: banned(folder) }] },
    })),
    ...PACKAGE_EXCEPTIONS.map(({ files, packages }) => ({
      files,
      rules: {
        'no-restricted-imports': [
          'error',
          { paths: banned(folderOf(resolve(SRC, '..', files[0])), packages) },
        ],
      },
    })),
  ];
}

/** The layering for eslint.config.mjs: the rule on src/, and the package owners. */
export const layeringConfig = [
  { files: ['src/**/*.ts'], plugins: { teller: plugin }, rules: { 'teller/layering': 'error' } },
  ...packageRules(),
];
