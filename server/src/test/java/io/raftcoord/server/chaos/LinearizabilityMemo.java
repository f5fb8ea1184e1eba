package io.raftcoord.server.chaos;

import java.util.SplittableRandom;

/**
 * The memo of {@link LinearizabilitySearch}: the (linearized set, register value) pairs already
 * explored, each kept as a 128-bit fingerprint (two independent Zobrist hashes of the set, which
 * the search updates in O(1) per step, mixed with the value) in an open-addressing table filled
 * to at most 70%: 23 to 46 bytes per pair, no allocation per step. Invariants: with N pairs
 * stored, two different pairs collide with probability about N^2 / 2^128 (below 10^-24 for 10^7
 * pairs); a collision could only prune a branch, so at worst it turns a pass into a reported
 * violation, never hides one. The op hashes come from a fixed seed: a search is deterministic.
 */
final class LinearizabilityMemo {
  final long[] z1;
  final long[] z2;
  private long[] a;
  private long[] b;
  private int size;

  LinearizabilityMemo(int ops) {
    int cap = Integer.highestOneBit(Math.max(64, ops * 4) - 1) << 1;
    a = new long[cap];
    b = new long[cap];
    SplittableRandom r = new SplittableRandom(0x5eed_1234_abcdL);
    z1 = new long[ops];
    z2 = new long[ops];
    for (int i = 0; i < ops; i++) {
      z1[i] = r.nextLong();
      z2[i] = r.nextLong();
    }
  }

  /** Adds the pair; false if it was already there. */
  boolean add(long set1, long set2, int state) {
    long x = set1 ^ mix(state * 0x9E3779B97F4A7C15L + 1);
    long y = (set2 ^ mix(state * 0xC2B2AE3D27D4EB4FL + 7)) | 1L;
    int mask = a.length - 1;
    int i = (int) mix(x ^ y) & mask;
    while (b[i] != 0) {
      if (a[i] == x && b[i] == y) {
        return false;
      }
      i = (i + 1) & mask;
    }
    a[i] = x;
    b[i] = y;
    if (++size > a.length * 7L / 10) {
      grow();
    }
    return true;
  }

  private void grow() {
    long[] oa = a;
    long[] ob = b;
    a = new long[oa.length * 2];
    b = new long[ob.length * 2];
    int mask = a.length - 1;
    for (int j = 0; j < oa.length; j++) {
      if (ob[j] != 0) {
        int i = (int) mix(oa[j] ^ ob[j]) & mask;
        while (b[i] != 0) {
          i = (i + 1) & mask;
        }
        a[i] = oa[j];
        b[i] = ob[j];
      }
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
