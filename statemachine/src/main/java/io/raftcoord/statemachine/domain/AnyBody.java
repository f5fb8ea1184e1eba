package io.raftcoord.statemachine.domain;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * Type tests on a domain message in an {@code Any}. {@code Any.is(Class)} looks the class's
 * default instance up by reflection on every call, which costs more than applying a small command;
 * comparing the type name of the URL with the descriptor's costs a string compare. For the same
 * reason domains parse a body with its type's {@code parseFrom(body.getValue())} after this test
 * instead of {@code Any.unpack(Class)}.
 */
public final class AnyBody {
  private AnyBody() {}

  /** Whether {@code body} holds a message of type {@code type} (whatever the URL's prefix). */
  public static boolean is(Any body, Descriptor type) {
    String url = body.getTypeUrl();
    String name = type.getFullName();
    int start = url.lastIndexOf('/') + 1;
    return url.length() - start == name.length() && url.startsWith(name, start);
  }
}
