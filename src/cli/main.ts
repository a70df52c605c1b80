import { parseArgs } from 'node:util';

const USAGE = `usage: chainmall <command>
  serve                                  start the API, web app and sequencer (env: PORT, DATABASE_URL, …); seeds demo data unless SEED=off
  seed                                   add the demo merchants, products and buyers (once)
  user create --email E --role R [--merchant ID]
                                         create a user (the first admin); password from CHAINMALL_PASSWORD or stdin
  verify [--key VKEY] [--json] [--anchor]
                                         audit the local log (DATABASE_URL or data/chainmall.db); with --anchor, also
                                         prove it consistent with every checkpoint anchored on chain (CHAIN_RPC_URL, ANCHOR_CONTRACT)
  verify --url URL --key VKEY [--prev CHECKPOINT_FILE | --witness WKEY… [--quorum K]] [--json]
                                         audit a remote log from its tiles; with --prev, prove it extends that checkpoint
  reconcile [--json]                     ledger vs money vs payments vs settlement: every discrepancy, exit 1 if any
  receipt verify FILE --key VKEY [--json]
                                         verify a ledger or order receipt offline
  bench [ledger] [--json]                print benchmark figures
  witness --name NAME --log "ORIGIN VKEY" [--log …] [--port P] [--key-file F] [--data DIR]
                                         run a C2SP tlog-witness; prints its cosigner verifier key
  draw verify --url URL --draw ID [--key VKEY] [--json]
                                         recompute a lucky draw's winners from its public data (and check its ledger receipts)
  chain deploy [--name NAME] [--symbol SYM]
                                         deploy CheckpointAnchor, PlatformToken and OrderEscrow with the account of
                                         CHAIN_PRIVATE_KEY on CHAIN_RPC_URL; prints the environment to run with them`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      prev: { type: 'string' },
      json: { type: 'boolean' },
      anchor: { type: 'boolean' },
      witness: { type: 'string', multiple: true },
      quorum: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      merchant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      name: { type: 'string' },
      'key-file': { type: 'string' },
      log: { type: 'string', multiple: true },
      data: { type: 'string' },
      symbol: { type: 'string' },
      draw: { type: 'string' },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  switch (cmd) {
    case 'serve': {
      const { serve } = await import('./serve.ts');
      await serve();
      return -1; // keep running
    }
    case 'seed': {
      const { seed } = await import('./serve.ts');
      return seed();
    }
    case 'user': {
      if (rest[0] !== 'create') throw new Error('usage: chainmall user create --email E --role R [--merchant ID]');
      const { userCreate } = await import('./user.ts');
      return userCreate({ email: values.email, role: values.role, merchant: values.merchant });
    }
    case 'reconcile': {
      const { reconcileCli } = await import('./reconcile.ts');
      return reconcileCli(values.json === true);
    }
    case 'verify': {
      const { verify } = await import('./verify.ts');
      return verify({ url: values.url, key: values.key, prev: values.prev, json: values.json, anchor: values.anchor, witness: values.witness, quorum: values.quorum });
    }
    case 'receipt': {
      if (rest[0] !== 'verify' || !rest[1]) throw new Error('usage: chainmall receipt verify FILE --key VKEY');
      if (!values.key) throw new Error('--key <verifier key> is required');
      const { receiptVerify } = await import('./receipt.ts');
      return receiptVerify(rest[1], values.key, values.json === true);
    }
    case 'bench': {
      const { runBench } = await import('../../bench/main.ts');
      return runBench([...rest, ...(values.json ? ['--json'] : [])]);
    }
    case 'witness': {
      const { witnessCli } = await import('../witness/cli.ts');
      await witnessCli({ port: values.port, name: values.name, keyFile: values['key-file'], log: values.log, data: values.data });
      return -1; // keep running
    }
    case 'chain': {
      if (rest[0] !== 'deploy') throw new Error('usage: chainmall chain deploy [--name NAME] [--symbol SYM]');
      const { chainDeploy } = await import('./chain.ts');
      return chainDeploy({ name: values.name, symbol: values.symbol });
    }
    case 'draw': {
      if (rest[0] !== 'verify') throw new Error('usage: chainmall draw verify --url URL --draw ID [--key VKEY] [--json]');
      const { drawVerify } = await import('./draw.ts');
      return drawVerify({ url: values.url, draw: values.draw, key: values.key, json: values.json });
    }
    default:
      throw new Error(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // One line, no stack: a CLI user needs the message, not our internals.
    console.error(`chainmall: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    process.exit(err instanceof Error && err.message.includes('\n') ? 2 : 1);
  },
);
