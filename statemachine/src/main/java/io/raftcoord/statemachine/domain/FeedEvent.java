package io.raftcoord.statemachine.domain;

import com.google.protobuf.Message;
import io.raftcoord.proto.CatalogChange;

/**
 * What one record shows watchers: the domain's name for its kind and the event itself. Catalog
 * events travel as {@link CatalogChange} (the feed's typed field); others as their own message.
 */
public record FeedEvent(String domain, String kind, Message body) {}
