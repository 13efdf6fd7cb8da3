// `nft` as the oracle of the nftables tests: present on this machine, or the test skips saying so.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { needRoot } from './netns.js';

export const hasNft = spawnSync('nft', ['--version']).status === 0;

/** Root and `nft` both there; else the test skips with the reason. */
export function needNft(t: TestContext): boolean {
  if (!needRoot(t)) return false;
  if (hasNft) return true;
  t.skip('needs nft (nftables) as an oracle');
  return false;
}
