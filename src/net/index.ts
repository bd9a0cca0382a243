// The outbound-network front door: address rules shared by every request made on a user's behalf.
export { isPrivateAddress, guardedLookup, EPRIVATE } from './address.js';
