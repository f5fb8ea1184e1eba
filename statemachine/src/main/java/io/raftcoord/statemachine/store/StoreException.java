package io.raftcoord.statemachine.store;

/** A failure of the local store. In apply it is fatal: the replica stops rather than diverge. */
public final class StoreException extends RuntimeException {
  public StoreException(String what, Throwable cause) {
    super("store: " + what + ": " + cause.getMessage(), cause);
  }

  public StoreException(String what) {
    super("store: " + what);
  }
}
