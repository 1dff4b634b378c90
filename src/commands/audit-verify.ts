import { formatAuditReport, verifyAudit } from '../ops/audit';
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, toJson, withStore, type Command } from './context';

/** `teller audit verify [--json]`: checks the hash-chained deposit event log; exit 1 if it is broken. */
export const auditVerify: Command = {
  words: ['audit', 'verify'],
  args: '[--json]',
  summary: 'check the hash-chained deposit event log; exit 1 at the first broken link',
  async run(args, env) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } }, { min: 0, max: 0 });
    const report = await withStore(
      env,
      'the daemon is running: use GET /api/audit/verify on the admin API',
      (store) => verifyAudit(store),
    );
    env.out(values.json ? toJson(report) : formatAuditReport(report));
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  },
};
