/** English texts of the buyer page; `{name}` placeholders are filled by `t()`. */
export const en = {
  'doc.title': 'Buy {payout} — Teller OTC',
  'brand.name': 'Teller OTC',
  'lang.label': 'Language',
  'app.loading': 'Loading exchange data…',
  'app.loadFailed': 'The exchange cannot be reached right now. Retrying automatically…',

  'hero.title': 'Buy {payout}',
  'hero.lead':
    'Send coins to your personal deposit address and receive {payout} automatically at a fixed rate.',
  'hero.lead.market':
    'Send coins to your personal deposit address and receive {payout} automatically at the market rate.',

  'banner.closed.title': 'OTC is currently closed',
  'banner.closed.text': 'New deposit addresses are not issued right now. Please check back later.',
  'banner.soldOut.title': '{payout} is sold out, check back later',
  'banner.soldOut.text': 'Please do not send any coins now: there is no {payout} left to pay out.',
  'banner.noCoins.text': 'No deposit coin is accepted right now.',

  'step.rate': 'Choose what you pay with',
  'step.address': 'Get your deposit address',
  'step.track': 'Send and track your deposit',

  'coin.label': 'You pay with',
  'rate.label': 'Exchange rate',
  'rate.updated': 'Updated {time}',
  'rate.market': 'Follows the market. Your rate is fixed when your deposit is first seen on the chain.',
  'rate.paused':
    'New deposit addresses for {coin} are paused: {reason}. Deposits already sent are paid as usual.',
  'fact.inventory': 'Available to buy',
  'fact.confirmations': 'Confirmations required',
  'fact.limit': 'Deposit addresses per receive address',
  'fact.limit.unlimited': 'Unlimited',
  'fact.precision': 'Payout precision',
  'fact.precision.value': '{n} decimal places',
  'fact.minVolume': 'Minimum deposit',
  'fact.unknown': '—',

  'calc.label': 'You send',
  'calc.result': 'You receive',
  'calc.invalid': 'Enter an amount, e.g. 0.01',
  'calc.note': 'Payouts are rounded down to {n} decimal places.',
  'calc.overAvailable':
    'More than the {available} {payout} available now: the payout would wait until the operator refills.',

  'address.label': 'Your {payout} receive address',
  'address.placeholder.sky': 'Skycoin address, e.g. 2VZu3rZozQ6nN…',
  'address.placeholder.evm': '0x… address',
  'address.hint': 'Your {payout} is sent here. Double-check it: payouts cannot be reversed.',
  'address.error.empty': 'Please enter your {payout} address.',
  'address.error.base58_character':
    'The address contains a character that is not allowed (0, O, I and l are never used).',
  'address.error.base58_string': 'This is not a valid address.',
  'address.error.length': 'The address has the wrong length. Check that you copied all of it.',
  'address.error.version': 'This is not a {payout} address (wrong version). Did you paste a Bitcoin address?',
  'address.error.checksum': 'The address checksum does not match. Check it for typos.',
  'address.error.evm_format': 'Enter an address that starts with 0x followed by 40 hexadecimal characters.',

  'how.title': 'How it works',
  'how.1': 'Enter your {payout} address and get a {coin} deposit address.',
  'how.2': 'Send {coin} to that address from your wallet.',
  'how.3': 'Once the deposit is confirmed, {payout} is sent to you automatically.',
  'how.note':
    'Send from a wallet you control rather than straight from an exchange: exchange withdrawals can arrive late or short.',

  'bind.button': 'Get {coin} deposit address',
  'bind.busy': 'Requesting…',
  'bind.disabled': 'Deposit addresses are unavailable right now.',
  'status.button': 'Check status',
  'error.bind': 'Could not get a deposit address:',
  'error.status': 'Could not load the status:',
  'error.network': 'The server could not be reached. Check your connection and try again.',
  'error.server': 'Server error {code}.',

  'deposit.title': 'Your {coin} deposit address',
  'deposit.send': 'Send {coin} to this address.',
  'deposit.after':
    'After the required confirmations ({n}) you receive {payout} at 1 {coin} = {rate} {payout}, sent to {address}. The rate is locked when your deposit is first seen on the chain.',
  'deposit.afterNoConf':
    'Once it is seen you receive {payout} at 1 {coin} = {rate} {payout}, sent to {address}.',
  'deposit.new': 'Every request issues a new address; all of them stay linked to your receive address.',
  'deposit.qr': 'QR code of the deposit address',
  'deposit.copy': 'Copy address',
  'deposit.copied': 'Copied',
  'deposit.copyManual': 'Press Ctrl+C to copy',

  'status.title': 'Deposit status',
  'status.for': 'Receive address: {address}',
  'status.live': 'Live — updates every few seconds',
  'status.paused': 'Paused while this tab is hidden',
  'status.empty': 'No deposits yet. Send coins to your deposit address; they appear here automatically.',
  'status.updated': 'Updated {time}',
  'status.deposit': 'Deposit',
  'status.depositAddress': 'Deposit address',
  'status.confirmations': 'Confirmations',
  'status.confirmations.value': '{n} of {total}',
  'status.payout': 'You receive',
  'status.payoutPending': 'Pending — shown when the payout is sent',
  'status.payoutDelayed': '{amount} — delayed, not sent yet',
  'status.txid': 'Payout transaction',
  'status.errorHelp':
    'Your deposit is safe and nothing is needed from you. If the payout has not arrived within a day, contact support with your receive address.',

  'state.waiting_deposit': 'Waiting for deposit',
  'state.waiting_decide': 'Deposit received',
  'state.waiting_send': 'Payout queued',
  'state.waiting_confirm': 'Payout sent',
  'state.waiting_passthrough': 'Buying {payout}',
  'state.waiting_passthrough_order_complete': 'Completing purchase',
  'state.done': 'Completed',
  'state.error': 'Payout delayed',
  'state.soldOut': 'Waiting for {payout}',
  'state.unknown': 'Processing',

  'msg.waiting_deposit': 'Waiting for your {coin} deposit.',
  'msg.waiting_decide': '{coin} deposit confirmed. Processing it now.',
  'msg.waiting_send': '{coin} deposit confirmed. Your {payout} payout is queued.',
  'msg.waiting_confirm': '{payout} sent. Waiting for the transaction to confirm.',
  'msg.waiting_passthrough': 'Buying {payout} on the exchange for your deposit.',
  'msg.waiting_passthrough_order_complete': 'The exchange order is placed; waiting for it to complete.',
  'msg.done': 'Completed. Check your {payout} wallet.',
  'msg.unknown': 'Your deposit is being processed.',
  'msg.error': 'Payout delayed; the operator has been alerted.',
  'msg.soldOut':
    '{coin} deposit confirmed. {payout} is sold out right now: your payout is sent automatically as soon as the operator refills.',

  'footer.text':
    'Rates are fixed by the operator. Your deposit gets the rate in force when it is first seen on the chain, even if the rate changes while it confirms. Keep this page open to follow your deposit live.',
  'footer.text.market':
    "Rates follow the market: exchange prices less the operator's spread. Your deposit gets the rate in force when it is first seen on the chain, even if the rate changes while it confirms. Keep this page open to follow your deposit live.",
};

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
