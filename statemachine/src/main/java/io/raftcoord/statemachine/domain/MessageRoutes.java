package io.raftcoord.statemachine.domain;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The commands (or queries) of a domain whose messages travel in the envelope's {@code domain}
 * field, each routed by its type name to a typed handler: one table per domain instead of a chain
 * of type tests, and the same table gives the types the domain {@link Claims claims}, so a handled
 * type cannot go unclaimed or the other way round.
 *
 * @param <C> what the handler gets besides the message (the apply context; nothing for reads)
 * @param <R> what handlers return
 */
public final class MessageRoutes<C, R> {
  private record Route<C, M extends Message, R>(Parser<M> parser, BiFunction<C, M, R> handler) {
    R run(C ctx, Any body) throws InvalidProtocolBufferException {
      return handler.apply(ctx, parser.parseFrom(body.getValue()));
    }
  }

  private final String what;
  private final Map<String, Route<C, ?, R>> routes = new HashMap<>();
  private final Set<Descriptor> types = new LinkedHashSet<>();

  /** @param what names the table in errors, e.g. "querycoord command" */
  public MessageRoutes(String what) {
    this.what = what;
  }

  @SuppressWarnings("unchecked")
  public <M extends Message> MessageRoutes<C, R> on(M prototype, BiFunction<C, M, R> handler) {
    Descriptor d = prototype.getDescriptorForType();
    if (routes.put(d.getFullName(), new Route<>((Parser<M>) prototype.getParserForType(), handler)) != null) {
      throw new IllegalArgumentException(what + " " + d.getFullName() + " routed twice");
    }
    types.add(d);
    return this;
  }

  public <M extends Message> MessageRoutes<C, R> on(M prototype, Function<M, R> handler) {
    return on(prototype, (ctx, m) -> handler.apply(m));
  }

  /** The message types routed: what the domain claims. */
  public Set<Descriptor> types() {
    return Set.copyOf(types);
  }

  /**
   * Runs the handler of {@code body}'s type; a body that does not parse gets {@code malformed}'s
   * answer. A type without a route is a bug in the registry (it routed a type this domain does not
   * claim).
   */
  public R route(C ctx, Any body, Function<String, R> malformed) {
    String url = body.getTypeUrl();
    Route<C, ?, R> r = routes.get(url.substring(url.lastIndexOf('/') + 1));
    if (r == null) {
      throw new IllegalStateException(what + " " + url + " has no route");
    }
    try {
      return r.run(ctx, body);
    } catch (InvalidProtocolBufferException e) {
      return malformed.apply(what + " " + url + " is malformed: " + e.getMessage());
    }
  }
}
