import { fill, h } from '../shared/dom';
import { arr, obj, str, type JsonObject } from '../shared/json';
import { Poller } from '../shared/poller';
import { load, save } from '../shared/storage';
import { AdminClient, isUnauthorized } from './api';
import { clock, errorText, label } from './format';
import { ratesPanel } from './rates';
import { empty, failure, section } from './render';
import { addresses, depositTable, overviewPanels, STATUSES, summary, type Loaded } from './sections';

const REFRESH_MS = 5_000;
const TOKEN_KEY = 'teller.adminToken';

type Key = 'overview' | 'deposits' | 'errored' | 'accounting' | 'addresses' | 'rates';

/** The operator dashboard: every panel reloads every 5 s from the admin API. */
class Dashboard {
  private token = load('session', TOKEN_KEY) ?? '';
  private readonly client = new AdminClient(() => this.token);
  private readonly poller = new Poller(() => this.refresh(), REFRESH_MS);
  private results: Partial<Record<Key, Loaded>> = {};
  private unauthorized = false;
  private filter = '';
  private readonly open = new Set<string>();
  private retryResult?: { ok: boolean; text: string };
  private rendered = '';

  private readonly tokenInput = h('input', {
    testid: 'admin-token',
    attrs: {
      type: 'password',
      placeholder: 'Admin token',
      autocomplete: 'current-password',
      'aria-label': 'Admin token',
    },
  });
  private readonly signOut = h(
    'button',
    { class: 'btn btn-ghost', testid: 'admin-sign-out', attrs: { type: 'button' } },
    'Forget token',
  );
  private readonly backupButton = h(
    'button',
    { class: 'btn btn-secondary', testid: 'backup-button', attrs: { type: 'button' } },
    'Download backup',
  );
  private readonly backupResult = h('span', {
    class: 'muted',
    testid: 'backup-result',
    attrs: { 'aria-live': 'polite' },
  });
  private readonly updated = h('span', { class: 'muted', testid: 'last-updated' }, 'Loading…');
  private readonly auth = h('div', {
    class: 'message message-error',
    testid: 'auth-error',
    attrs: { role: 'alert', hidden: true },
  });
  private readonly filterSelect = h(
    'select',
    { testid: 'status-filter', attrs: { 'aria-label': 'Status filter' } },
    h('option', { attrs: { value: '' } }, 'all statuses'),
    STATUSES.map((s) => h('option', { attrs: { value: s } }, label(s))),
  );
  private readonly search = h('input', {
    class: 'search',
    testid: 'deposit-search',
    attrs: {
      type: 'search',
      placeholder: 'Search deposits: buyer address, deposit address or txid',
      'aria-label': 'Search deposits',
    },
  });
  private readonly content = h('div', { class: 'content' });

  /** Shown only once the API asked for a token (401) or one is stored: no token, no sign-in box. */
  private readonly tokenForm: HTMLFormElement;

  constructor(root: HTMLElement) {
    this.tokenInput.value = this.token;
    const form = h(
      'form',
      { class: 'token-form', testid: 'admin-token-form', attrs: { hidden: this.token === '' } },
      this.tokenInput,
      h(
        'button',
        { class: 'btn btn-primary', testid: 'admin-token-save', attrs: { type: 'submit' } },
        'Sign in',
      ),
      this.signOut,
    );
    this.tokenForm = form;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.setToken(this.tokenInput.value.trim());
    });
    this.signOut.addEventListener('click', () => {
      this.tokenInput.value = '';
      this.setToken('');
    });
    this.backupButton.addEventListener('click', () => void this.backup());
    this.filterSelect.addEventListener('change', () => this.setFilter(this.filterSelect.value));
    // Outside the panels that re-render, so typing keeps its focus; rows are hidden, not rebuilt.
    this.search.addEventListener('input', () => this.applySearch());
    root.replaceChildren(
      h(
        'header',
        { class: 'topbar' },
        h(
          'div',
          { class: 'wrap topbar-inner' },
          h(
            'div',
            { class: 'brand' },
            h('span', { class: 'brand-mark' }, 'T'),
            h('span', null, 'Teller admin'),
          ),
          form,
        ),
      ),
      h(
        'main',
        { class: 'wrap' },
        h(
          'div',
          { class: 'toolbar' },
          this.updated,
          this.search,
          h('span', { class: 'spacer' }),
          this.backupResult,
          this.backupButton,
        ),
        this.auth,
        this.content,
      ),
    );
    this.poller.start();
  }

  private setToken(token: string): void {
    this.token = token;
    save('session', TOKEN_KEY, token === '' ? undefined : token);
    this.unauthorized = false;
    this.rendered = '';
    this.poller.start();
  }

  private setFilter(status: string): void {
    this.filter = status;
    this.filterSelect.value = status;
    this.poller.now();
  }

  private async refresh(): Promise<void> {
    const deposits =
      this.filter === '' ? '/api/deposits' : `/api/deposits?status=${encodeURIComponent(this.filter)}`;
    const paths: Record<Key, string> = {
      overview: '/api/overview',
      deposits,
      errored: '/api/deposits/errored',
      accounting: '/api/accounting',
      addresses: '/api/deposit-addresses',
      rates: '/api/rates',
    };
    const keys = Object.keys(paths) as Key[];
    const settled = await Promise.allSettled(keys.map((k) => this.client.get(paths[k])));
    this.unauthorized = settled.some((r) => r.status === 'rejected' && isUnauthorized(r.reason));
    this.results = {};
    keys.forEach((k, i) => {
      const r = settled[i];
      this.results[k] =
        r.status === 'fulfilled' ? { ok: true, data: r.value } : { ok: false, error: errorText(r.reason) };
    });
    this.updated.textContent = `Auto-refresh every ${REFRESH_MS / 1000} s · updated ${clock(new Date())}`;
    // Waiting for a token: no point asking again every 5 s.
    if (this.unauthorized) this.poller.stop();
    this.render();
  }

  private render(): void {
    this.tokenForm.hidden = !this.unauthorized && this.token === '';
    this.auth.hidden = !this.unauthorized;
    this.auth.textContent = this.unauthorized
      ? 'Unauthorized (401): the admin token is missing or wrong. Enter the admin_panel.token (or TELLER_ADMIN_TOKEN) above and sign in.'
      : '';
    const signature = JSON.stringify([this.results, this.unauthorized, this.retryResult]);
    if (signature === this.rendered) return;
    this.rendered = signature;
    if (this.unauthorized) {
      this.content.replaceChildren();
      this.tokenInput.focus();
      return;
    }
    const r = this.results;
    const payout = r.overview?.ok === true ? str(obj(obj(r.overview.data).hot_wallet), 'coin', 'SKY') : 'SKY';
    fill(
      this.content,
      summary(r.overview, r.accounting, r.errored),
      h(
        'div',
        { class: 'columns' },
        overviewPanels(r.overview, (s) => this.setFilter(s)),
      ),
      section(
        'Errored deposits',
        'errored',
        this.retryResult === undefined
          ? null
          : h(
              'p',
              {
                class: `message ${this.retryResult.ok ? 'message-ok' : 'message-error'}`,
                testid: 'retry-result',
              },
              this.retryResult.text,
            ),
        this.depositList(r.errored, 'errored-table', payout, 'No errored deposits.', true),
      ),
      section(
        'Deposits',
        'deposits',
        h('div', { class: 'panel-tools' }, h('label', null, 'Status ', this.filterSelect)),
        this.depositList(
          r.deposits,
          'deposits-table',
          payout,
          this.filter === '' ? 'No deposits yet.' : `No deposits with status ${label(this.filter)}.`,
          false,
        ),
      ),
      section('Rates', 'rates', this.loaded(r.rates, ratesPanel)),
      section('Deposit addresses', 'deposit-addresses', this.loaded(r.addresses, addresses)),
    );
    this.applySearch();
  }

  /** Shows only the deposit rows whose buyer address, deposit address or txids contain the search. */
  private applySearch(): void {
    const q = this.search.value.trim().toLowerCase();
    for (const row of this.content.querySelectorAll<HTMLElement>('tr[data-search]')) {
      row.hidden = q !== '' && !(row.dataset.search ?? '').includes(q);
    }
  }

  private loaded(result: Loaded, view: (data: unknown) => HTMLElement): HTMLElement {
    if (result === undefined) return empty('Loading…');
    return result.ok ? view(result.data) : failure(result.error);
  }

  private depositList(
    result: Loaded,
    testid: string,
    payoutCoin: string,
    none: string,
    retry: boolean,
  ): HTMLElement {
    return this.loaded(result, (data) => {
      const rows = arr(obj(data), 'deposits').map(obj);
      if (rows.length === 0) return empty(none);
      return depositTable(rows, {
        testid,
        payoutCoin,
        open: this.open,
        onToggle: () => {
          this.rendered = '';
          this.render();
        },
        action: retry ? { header: '', cell: (row) => this.retryButton(row), leading: true } : undefined,
      });
    });
  }

  private retryButton(row: JsonObject): HTMLElement {
    const id = str(row, 'deposit_id');
    const button = h(
      'button',
      { class: 'btn btn-small', testid: 'retry-button', attrs: { type: 'button' } },
      'Retry',
    );
    button.addEventListener('click', () => void this.retry(id, button));
    return button;
  }

  private async retry(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    button.textContent = 'Retrying…';
    try {
      const result = obj(await this.client.retry(id));
      const status = str(result, 'status');
      this.retryResult = {
        ok: true,
        text: `Retry of ${id} accepted${status === '' ? '' : `: now ${label(status)}`}.`,
      };
    } catch (err) {
      if (isUnauthorized(err)) this.unauthorized = true;
      this.retryResult = { ok: false, text: `Retry of ${id} failed: ${errorText(err)}` };
    }
    this.render();
    this.poller.now();
  }

  private async backup(): Promise<void> {
    this.backupButton.disabled = true;
    this.backupResult.textContent = 'Preparing backup…';
    try {
      this.backupResult.textContent = `Saved ${await this.client.downloadBackup()}`;
    } catch (err) {
      if (isUnauthorized(err)) {
        this.unauthorized = true;
        this.render();
      }
      this.backupResult.textContent = `Backup failed: ${errorText(err)}`;
    } finally {
      this.backupButton.disabled = false;
    }
  }
}

const root = document.getElementById('app');
if (root === null) throw new Error('missing #app');
new Dashboard(root);
