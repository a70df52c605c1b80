import fs from 'node:fs';
import { createApp } from '../app.ts';
import { configFromEnv } from '../config.ts';
import { isRole } from '../accounts/index.ts';

/**
 * `chainmall user create --email E --role admin|auditor|merchant_staff|buyer [--merchant ID]`: the way
 * to make the first admin on a production install (no demo seed there). The password comes from
 * CHAINMALL_PASSWORD or, if unset, the first line of standard input — never from the command line,
 * where other users of the machine could read it.
 */
export async function userCreate(opts: { email?: string | undefined; role?: string | undefined; merchant?: string | undefined }): Promise<number> {
  if (!opts.email) throw new Error('--email is required');
  if (!isRole(opts.role)) throw new Error('--role must be one of buyer, merchant_staff, admin, auditor');
  const password = process.env.CHAINMALL_PASSWORD ?? fs.readFileSync(0, 'utf8').split('\n')[0]!.trimEnd();
  if (!password) throw new Error('no password: set CHAINMALL_PASSWORD or pipe it on standard input');
  const app = await createApp({ ...configFromEnv(), jobs: false });
  try {
    const { user } = await app.accounts.createUser('system', { email: opts.email, password, role: opts.role, ...(opts.merchant ? { merchantId: opts.merchant } : {}) });
    console.log(`created ${user.role} ${user.id} <${user.email}>`);
    return 0;
  } finally {
    await app.close();
  }
}
