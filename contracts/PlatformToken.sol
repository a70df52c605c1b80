// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// The platform currency on chain, in the wallet's minor units (2 decimals). Minted against
/// wallet top-ups and burnt against withdrawals, by the platform role only, so the supply on
/// chain never exceeds what the wallet holds for opted-in users.
contract PlatformToken is ERC20, AccessControl {
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");

    constructor(string memory name_, string memory symbol_, address admin, address platform) ERC20(name_, symbol_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PLATFORM_ROLE, platform);
    }

    function decimals() public pure override returns (uint8) {
        return 2;
    }

    function mint(address to, uint256 amount) external onlyRole(PLATFORM_ROLE) {
        _mint(to, amount);
    }

    /// Burns from the platform's own balance: money that leaves the chain from the platform's custody
    /// (a refund back to a buyer's wallet, a cancelled escrow).
    function burn(uint256 amount) external onlyRole(PLATFORM_ROLE) {
        _burn(_msgSender(), amount);
    }

    /// Burns from a holder; the holder must have approved the platform (a withdrawal it asked for).
    function burnFrom(address from, uint256 amount) external onlyRole(PLATFORM_ROLE) {
        _spendAllowance(from, _msgSender(), amount);
        _burn(from, amount);
    }
}
