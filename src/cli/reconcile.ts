import { createApp } from '../app.ts';
import { configFromEnv } from '../config.ts';
import { reconcile } from '../reconciliation/index.ts';

/** `chainmall reconcile`: the report on the database in DATABASE_URL or the SQLite file; exit 1 on any discrepancy. */
export async function reconcileCli(json: boolean): Promise<number> {
  const app = await createApp({ ...configFromEnv(), jobs: false, sandboxGateway: false, logLevel: 'silent' });
  try {
    const report = await reconcile(app.db.kysely, app.ledger, app.payments);
    if (json) console.log(JSON.stringify(report));
    else {
      const c = report.checked;
      console.log(`checked ${c.ledgerEntries} ledger entries, ${c.accounts} accounts, ${c.transfers} transfers, ${c.payments} payments, ${c.settlementLines} settlement lines`);
      for (const d of report.discrepancies) console.log(`${d.area}\t${d.ids.join(',')}\t${d.problem}`);
      console.log(report.discrepancies.length === 0 ? 'no discrepancies' : `${report.discrepancies.length} discrepancies`);
    }
    return report.discrepancies.length === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}
