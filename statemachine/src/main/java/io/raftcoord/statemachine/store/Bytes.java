package io.raftcoord.statemachine.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Key and value encodings. Longs are big-endian so that byte order equals numeric order. */
public final class Bytes {
  private Bytes() {}

  public static byte[] ofLong(long v) {
    return ByteBuffer.allocate(Long.BYTES).putLong(v).array();
  }

  public static long toLong(byte[] b) {
    if (b == null || b.length != Long.BYTES) {
      throw new StoreException("expected an 8-byte value, got " + (b == null ? "none" : b.length + " bytes"));
    }
    return ByteBuffer.wrap(b).getLong();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  public static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 2);
    for (byte x : b) {
      sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return sb.toString();
  }
}
