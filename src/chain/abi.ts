/**
 * The contracts' interfaces, written out so that the running service needs no compiler (solc is a
 * build/test dependency); the contract tests check each against the compiled ABI.
 */
import { parseAbi } from 'viem';

export const ANCHOR_ABI = parseAbi([
  'function anchor(string origin, uint64 treeSize, bytes32 rootHash)',
  'function latest(string origin) view returns (uint64 treeSize, bytes32 rootHash, uint64 blockNumber)',
  'event Anchored(bytes32 indexed originHash, string origin, uint64 treeSize, bytes32 rootHash)',
  'error TreeNotLarger(uint64 anchored, uint64 given)',
  'error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)',
]);

export const ESCROW_ABI = parseAbi([
  'struct Escrow { address buyer; address merchant; uint256 amount; uint64 deadline; uint8 state; }',
  'function escrowOf(bytes32 orderId) view returns (Escrow)',
  'function deposit(bytes32 orderId, address merchant, uint256 amount, uint64 timeoutSeconds)',
  'function confirm(bytes32 orderId)',
  'function cancel(bytes32 orderId)',
  'function refundExpired(bytes32 orderId)',
  'function dispute(bytes32 orderId)',
  'function resolve(bytes32 orderId, bool toMerchant)',
  'event Deposited(bytes32 indexed orderId, address indexed buyer, address indexed merchant, uint256 amount, uint64 deadline)',
  'event Released(bytes32 indexed orderId, address merchant, uint256 amount)',
  'event Refunded(bytes32 indexed orderId, address buyer, uint256 amount)',
]);

/** OrderEscrow's State enum. */
export const ESCROW_STATE = ['None', 'Deposited', 'Disputed', 'Released', 'Refunded'] as const;

export const TOKEN_ABI = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function transferFrom(address from, address to, uint256 amount) returns (bool)',
  'function mint(address to, uint256 amount)',
  'function burn(uint256 amount)',
  'function burnFrom(address from, uint256 amount)',
]);
