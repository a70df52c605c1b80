// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// Anchors signed checkpoints of transparency logs: (origin, tree size, root hash).
/// Per log (keyed by keccak256(origin)) only a strictly larger tree size is accepted, so the
/// chain holds a monotone history that a later rewrite of the log cannot be consistent with.
/// The full history is the Anchored events; the view gives the latest anchor.
contract CheckpointAnchor is AccessControl {
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    struct Anchor {
        uint64 treeSize;
        bytes32 rootHash;
        uint64 blockNumber;
    }

    mapping(bytes32 => Anchor) private latestByOrigin;

    event Anchored(bytes32 indexed originHash, string origin, uint64 treeSize, bytes32 rootHash);

    error TreeNotLarger(uint64 anchored, uint64 given);

    constructor(address admin, address anchorer) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHORER_ROLE, anchorer);
    }

    function anchor(string calldata origin, uint64 treeSize, bytes32 rootHash) external onlyRole(ANCHORER_ROLE) {
        bytes32 key = keccak256(bytes(origin));
        Anchor storage cur = latestByOrigin[key];
        if (treeSize <= cur.treeSize) revert TreeNotLarger(cur.treeSize, treeSize);
        cur.treeSize = treeSize;
        cur.rootHash = rootHash;
        cur.blockNumber = uint64(block.number);
        emit Anchored(key, origin, treeSize, rootHash);
    }

    /// Latest anchor of a log; treeSize 0 when it was never anchored.
    function latest(string calldata origin) external view returns (uint64 treeSize, bytes32 rootHash, uint64 blockNumber) {
        Anchor storage a = latestByOrigin[keccak256(bytes(origin))];
        return (a.treeSize, a.rootHash, a.blockNumber);
    }
}
