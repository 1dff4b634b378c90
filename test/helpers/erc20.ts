import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ContractFactory, type BaseContract, type ContractTransactionResponse, type Signer } from 'ethers';

/**
 * Test contracts for the ETH scanner: a minimal ERC-20 (6 decimals by default, Transfer events)
 * and `Rejecter`, whose receive() reverts (a mined transaction with status 0). Compiled with
 * solc-js; the artifact is committed as test/fixtures/erc20.json so tests need not load the ~9 MB
 * compiler. test/unit/chains/eth-erc20-fixture.test.ts checks it is current; regenerate it with
 * `UPDATE_FIXTURES=1 npx jest test/unit/chains/eth-erc20-fixture`.
 */

export const FIXTURE_PATH = path.join(__dirname, '..', 'fixtures', 'erc20.json');

export const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Token {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply) {
        (name, symbol, decimals) = (name_, symbol_, decimals_);
        _move(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        if (from == address(0)) totalSupply += value;
        else balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

contract Rejecter {
    receive() external payable {
        revert("no deposits");
    }
}
`;

export interface Artifact {
  abi: unknown[];
  bytecode: string;
}

export interface Fixture {
  compiler: string;
  Token: Artifact;
  Rejecter: Artifact;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** Compiles SOURCE with solc-js (optimizer on): ~1 s, hence the committed fixture. */
export function compileContracts(): Fixture {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string; version(): string };
  const input = {
    language: 'Solidity',
    sources: { 'Token.sol': { content: SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const artifact = (name: string): Artifact => {
    const c = output.contracts['Token.sol'][name];
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  };
  return { compiler: solc.version(), Token: artifact('Token'), Rejecter: artifact('Rejecter') };
}

let cached: Fixture | undefined;
export function loadFixture(): Fixture {
  cached ??= JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as Fixture;
  return cached;
}

/** A deployed contract with its address lowercase (what the scanner reports) and as deployed. */
export interface Deployed {
  address: string;
  contract: BaseContract;
}

/** Waits for a transaction (automine) and returns it: `await mined(token.transfer(to, v))`. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionResponse> {
  const sent = await tx;
  await sent.wait();
  return sent;
}

async function deploy(artifact: Artifact, wallet: Signer, args: unknown[]): Promise<Deployed> {
  const factory = new ContractFactory(artifact.abi as never[], artifact.bytecode, wallet);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return { address: (await contract.getAddress()).toLowerCase(), contract };
}

export interface TokenOptions {
  name?: string;
  symbol?: string;
  decimals?: number;
  /** Minted to the deployer, in base units (default 1e12: a million 6-decimal tokens). */
  supply?: bigint;
}

/** Deploys Token from `wallet` (automine must be on, or mine while this waits). */
export function deployToken(wallet: Signer, opts: TokenOptions = {}): Promise<Deployed> {
  const args = [
    opts.name ?? 'Test USD',
    opts.symbol ?? 'TUSD',
    opts.decimals ?? 6,
    opts.supply ?? 10n ** 12n,
  ];
  return deploy(loadFixture().Token, wallet, args);
}

export const deployRejecter = (wallet: Signer): Promise<Deployed> =>
  deploy(loadFixture().Rejecter, wallet, []);
