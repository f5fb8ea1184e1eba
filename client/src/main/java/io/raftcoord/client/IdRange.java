package io.raftcoord.client;

/** The IDs {@code [start, start+count)}, disjoint from every other range ever handed out. */
public record IdRange(long start, int count) {
  public long end() {
    return start + count;
  }
}
