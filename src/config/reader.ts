/**
 * Typed reads from a parsed TOML tree, viper-style: keys are case-insensitive, a missing key
 * takes its default, and every key read is remembered so that the rest can be reported as
 * unknown. A value of the wrong type is a problem naming the key and the expected type; the
 * read then returns the default so that one pass reports every problem.
 */
import Big from 'big.js';

import { parseGoDuration } from './duration';
import { didYouMean, IGNORED_TELLER_KEYS } from './unknown-keys';

type RawTable = Record<string, unknown>;

const isTable = (v: unknown): v is RawTable =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** How a TOML value is described in a problem: `expected a boolean, got a string`. */
function describe(v: unknown): string {
  if (typeof v === 'string') return `a string (${JSON.stringify(v)})`;
  if (typeof v === 'bigint') return `an integer (${v})`;
  if (typeof v === 'number') return `a float (${v})`;
  if (typeof v === 'boolean') return `a boolean (${v})`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  return 'a table';
}

/** Problems (fatal) and warnings (reported, not fatal) of one load, shared by every table. */
export interface Findings {
  problems: string[];
  warnings: string[];
}

export class ConfigTable {
  private readonly values = new Map<string, unknown>();
  private readonly read = new Set<string>();
  private readonly children: ConfigTable[] = [];

  constructor(
    raw: RawTable,
    private readonly path: string,
    private readonly findings: Findings,
  ) {
    for (const [key, value] of Object.entries(raw)) {
      const lower = key.toLowerCase();
      if (this.values.has(lower)) {
        this.problem(lower, 'set more than once (keys are case-insensitive)');
      }
      this.values.set(lower, value);
    }
  }

  /** `btc_scanner.scan_period`, `eth_tokens[0].symbol`. */
  keyPath(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  problem(key: string, message: string): void {
    this.findings.problems.push(`${this.keyPath(key)}: ${message}`);
  }

  private take(key: string): unknown {
    this.read.add(key);
    return this.values.get(key);
  }

  private wrongType(key: string, expected: string, got: unknown): void {
    this.problem(key, `expected ${expected}, got ${describe(got)}`);
  }

  /** The sub-table `[key]`; an absent one reads as empty. */
  table(key: string): ConfigTable {
    const v = this.take(key);
    const child = new ConfigTable(isTable(v) ? v : {}, this.keyPath(key), this.findings);
    if (v !== undefined && !isTable(v)) this.wrongType(key, 'a table', v);
    this.children.push(child);
    return child;
  }

  /** An array of tables (`[[key]]`), each element its own ConfigTable `key[i]`. */
  tables(key: string): ConfigTable[] {
    const v = this.take(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every(isTable)) {
      this.wrongType(key, `an array of tables ([[${this.keyPath(key)}]])`, v);
      return [];
    }
    const list = v.map((t, i) => new ConfigTable(t, `${this.keyPath(key)}[${i}]`, this.findings));
    this.children.push(...list);
    return list;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.take(key);
    if (v === undefined || typeof v === 'boolean') return v ?? def;
    this.wrongType(key, 'a boolean (true or false)', v);
    return def;
  }

  str(key: string, def: string): string {
    const v = this.take(key);
    if (v === undefined || typeof v === 'string') return v ?? def;
    this.wrongType(key, 'a string', v);
    return def;
  }

  /** An integer; `def` undefined makes the key required. */
  int(key: string, def?: number): number {
    const v = this.take(key);
    if (v === undefined) {
      if (def === undefined) this.problem(key, 'missing');
      return def ?? 0;
    }
    if (typeof v !== 'bigint') {
      this.wrongType(key, 'an integer', v);
      return def ?? 0;
    }
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.problem(key, `integer ${v} is out of range`);
      return def ?? 0;
    }
    return Number(v);
  }

  /** A string, or an integer written without quotes (`port = 8545`), as teller's viper allowed. */
  strOrInt(key: string, def: string): string {
    const v = this.take(key);
    if (typeof v === 'bigint') return v.toString();
    if (v === undefined || typeof v === 'string') return v ?? def;
    this.wrongType(key, 'a string', v);
    return def;
  }

  /** A Go duration string, in milliseconds. A bare 0 is 0; other bare numbers are refused. */
  duration(key: string, def: string): number {
    const v = this.take(key);
    if (v === 0n) return 0;
    if (typeof v === 'bigint' || typeof v === 'number') {
      this.problem(key, `write a duration such as "20s" (a bare number would be nanoseconds)`);
    } else if (v !== undefined && typeof v !== 'string') {
      this.wrongType(key, 'a duration string such as "20s"', v);
    } else {
      try {
        const ms = parseGoDuration(v ?? def);
        if (ms >= 0) return ms;
        this.problem(key, 'must not be negative');
      } catch (err) {
        this.problem(key, err instanceof Error ? err.message : String(err));
      }
    }
    return parseGoDuration(def);
  }

  /** A rate: a string (`"500"`, `"1/3"`), or a bare number as teller's viper accepted; checked later. */
  rate(key: string): string {
    const v = this.take(key);
    if (typeof v === 'bigint' || typeof v === 'number') return String(v);
    if (v === undefined || typeof v === 'string') return v ?? '';
    this.wrongType(key, 'a rate string such as "500" or "1/3"', v);
    return '';
  }

  /** A non-negative decimal (string or number) in its shortest form: `"0.0050"` → `"0.005"`. */
  decimal(key: string, def: string): string {
    const v = this.take(key);
    if (v === undefined) return def;
    const text =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
    if (text !== undefined && /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return new Big(text).toFixed();
    this.wrongType(key, `a non-negative decimal such as "${def}"`, v);
    return def;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(key: string, choices: readonly T[], def: T, message?: string): T {
    const v = this.str(key, def);
    const found = choices.find((c) => c === v);
    if (found !== undefined) return found;
    this.findings.problems.push(
      message ?? `${this.keyPath(key)}: must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`,
    );
    return def;
  }

  /** An array of strings; a single string is split on commas, as viper's decode hook did. */
  strings(key: string, def: string[]): string[] {
    const v = this.take(key);
    if (v === undefined) return def;
    if (typeof v === 'string') return v === '' ? [] : v.split(',');
    if (Array.isArray(v) && v.every((s): s is string => typeof s === 'string')) return v;
    this.wrongType(key, 'an array of strings', v);
    return def;
  }

  /** Every key path some read asked for, in this table and below. */
  knownPaths(): string[] {
    return [...[...this.read].map((k) => this.keyPath(k)), ...this.children.flatMap((c) => c.knownPaths())];
  }

  /**
   * Every key of this table and its sub-tables that no read asked for: a problem naming the
   * nearest known key, or a warning for the keys teller accepted without reading (unknown-keys.ts).
   */
  reportUnknown(allPaths: readonly string[] = this.knownPaths()): void {
    for (const key of this.values.keys()) {
      if (this.read.has(key)) continue;
      const path = this.keyPath(key);
      const ignored = IGNORED_TELLER_KEYS[path];
      if (ignored !== undefined) {
        this.findings.warnings.push(`${path}: ignored (${ignored})`);
        continue;
      }
      const hint = didYouMean(key, [...this.read], allPaths);
      this.problem(key, `unknown key${hint ? `; did you mean ${hint}?` : ''}`);
    }
    for (const child of this.children) child.reportUnknown(allPaths);
  }
}
