// Minimal config: the tests only need `npx hardhat node`; contracts are compiled by src/chain/compile.ts.
/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = { networks: { hardhat: { chainId: 31337 } } };
