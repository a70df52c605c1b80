export async function runBench(_args: string[]): Promise<number> {
  console.log('bench: not yet');
  return 0;
}
if (import.meta.url === `file://${process.argv[1]}`) process.exit(await runBench(process.argv.slice(2)));
