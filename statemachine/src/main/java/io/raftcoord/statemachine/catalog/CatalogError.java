package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.statemachine.apply.ApplyResult;

/** A refused catalog command: its code and a message naming the object, limit or value. */
record CatalogError(ErrorCode code, String message) {
  static CatalogError invalid(String message) {
    return new CatalogError(ErrorCode.INVALID_ARGUMENT, message);
  }

  static CatalogError quota(String message) {
    return new CatalogError(ErrorCode.QUOTA_EXCEEDED, message);
  }

  ApplyResult result() {
    return ApplyResult.error(code, message);
  }
}
