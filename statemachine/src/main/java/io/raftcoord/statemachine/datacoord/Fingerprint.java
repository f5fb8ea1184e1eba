package io.raftcoord.statemachine.datacoord;

/**
 * A 64-bit FNV-1a hash of a report's bytes: the same report retried hashes the same on every
 * replica (protobuf serializes a parsed message the same way each time within one binary).
 */
final class Fingerprint {
  private Fingerprint() {}

  static long of(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h == 0 ? 1 : h;
  }
}
