// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// Escrow per order in the platform token. The buyer deposits; confirming releases to the
/// merchant; the merchant's cancellation (or anyone, once the timeout has passed without a
/// dispute) refunds the buyer; either party may raise a dispute, which only an arbiter resolves.
contract OrderEscrow is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    enum State { None, Deposited, Disputed, Released, Refunded }

    struct Escrow {
        address buyer;
        address merchant;
        uint256 amount;
        uint64 deadline;
        State state;
    }

    IERC20 public immutable token;
    mapping(bytes32 => Escrow) private escrows;

    event Deposited(bytes32 indexed orderId, address indexed buyer, address indexed merchant, uint256 amount, uint64 deadline);
    event Released(bytes32 indexed orderId, address merchant, uint256 amount);
    event Refunded(bytes32 indexed orderId, address buyer, uint256 amount);
    event Disputed(bytes32 indexed orderId, address by);
    event Resolved(bytes32 indexed orderId, address arbiter, bool toMerchant);

    error AlreadyExists(bytes32 orderId);
    error WrongState(bytes32 orderId, State state);
    error NotAllowed(bytes32 orderId, address caller);
    error NotExpired(bytes32 orderId, uint64 deadline);
    error BadDeposit();

    constructor(IERC20 token_, address admin, address arbiter) {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ARBITER_ROLE, arbiter);
    }

    function escrowOf(bytes32 orderId) external view returns (Escrow memory) {
        return escrows[orderId];
    }

    function deposit(bytes32 orderId, address merchant, uint256 amount, uint64 timeoutSeconds) external nonReentrant {
        if (amount == 0 || merchant == address(0) || merchant == msg.sender) revert BadDeposit();
        if (escrows[orderId].state != State.None) revert AlreadyExists(orderId);
        uint64 deadline = uint64(block.timestamp) + timeoutSeconds;
        escrows[orderId] = Escrow(msg.sender, merchant, amount, deadline, State.Deposited);
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(orderId, msg.sender, merchant, amount, deadline);
    }

    /// The buyer confirms receipt: the merchant is paid.
    function confirm(bytes32 orderId) external nonReentrant {
        Escrow storage e = _inState(orderId, State.Deposited);
        if (msg.sender != e.buyer) revert NotAllowed(orderId, msg.sender);
        _release(orderId, e);
    }

    /// The merchant cancels the order: the buyer gets the deposit back.
    function cancel(bytes32 orderId) external nonReentrant {
        Escrow storage e = _inState(orderId, State.Deposited);
        if (msg.sender != e.merchant) revert NotAllowed(orderId, msg.sender);
        _refund(orderId, e);
    }

    /// After the deadline an undisputed escrow can be refunded by anyone, so funds never stick.
    function refundExpired(bytes32 orderId) external nonReentrant {
        Escrow storage e = _inState(orderId, State.Deposited);
        if (block.timestamp < e.deadline) revert NotExpired(orderId, e.deadline);
        _refund(orderId, e);
    }

    function dispute(bytes32 orderId) external {
        Escrow storage e = _inState(orderId, State.Deposited);
        if (msg.sender != e.buyer && msg.sender != e.merchant) revert NotAllowed(orderId, msg.sender);
        e.state = State.Disputed;
        emit Disputed(orderId, msg.sender);
    }

    function resolve(bytes32 orderId, bool toMerchant) external nonReentrant onlyRole(ARBITER_ROLE) {
        Escrow storage e = _inState(orderId, State.Disputed);
        emit Resolved(orderId, msg.sender, toMerchant);
        if (toMerchant) _release(orderId, e);
        else _refund(orderId, e);
    }

    function _inState(bytes32 orderId, State s) private view returns (Escrow storage e) {
        e = escrows[orderId];
        if (e.state != s) revert WrongState(orderId, e.state);
    }

    function _release(bytes32 orderId, Escrow storage e) private {
        e.state = State.Released;
        token.safeTransfer(e.merchant, e.amount);
        emit Released(orderId, e.merchant, e.amount);
    }

    function _refund(bytes32 orderId, Escrow storage e) private {
        e.state = State.Refunded;
        token.safeTransfer(e.buyer, e.amount);
        emit Refunded(orderId, e.buyer, e.amount);
    }
}
