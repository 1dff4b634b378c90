/**
 * A copy of the config that is safe to log: credentials replaced by `<redacted>`, as teller's
 * `Config.Redacted()` did, plus the secrets of the keys beyond teller.
 */
import type { Config } from './types';

const REDACTED = '<redacted>';
const hide = (s: string): string => (s === '' ? s : REDACTED);

export function redactConfig(c: Config): Config {
  return {
    ...c,
    btc_rpc: { ...c.btc_rpc, user: hide(c.btc_rpc.user), pass: hide(c.btc_rpc.pass) },
    sky_exchanger: {
      ...c.sky_exchanger,
      c2cx: {
        ...c.sky_exchanger.c2cx,
        key: hide(c.sky_exchanger.c2cx.key),
        secret: hide(c.sky_exchanger.c2cx.secret),
      },
      passthrough: {
        ...c.sky_exchanger.passthrough,
        api_key: hide(c.sky_exchanger.passthrough.api_key),
        secret: hide(c.sky_exchanger.passthrough.secret),
      },
    },
    admin_panel: { ...c.admin_panel, token: hide(c.admin_panel.token) },
    dummy: { ...c.dummy, token: hide(c.dummy.token) },
    // Webhook URLs usually carry their credential in the path.
    notification: { ...c.notification, hook_url: hide(c.notification.hook_url) },
  };
}
