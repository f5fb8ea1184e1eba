package io.raftcoord.statemachine.domain;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.Record;
import java.util.EnumSet;
import java.util.Set;

/**
 * The envelope cases a domain handles: oneof cases of {@link Command}, {@link Record} and
 * {@link Query}, and for domains without a case (the {@code domain} field, a
 * {@link com.google.protobuf.Any}) the message types it accepts there.
 */
public record Claims(Set<Command.BodyCase> commands, Set<Record.BodyCase> records, Set<Query.BodyCase> queries,
                     Set<Descriptor> anyCommands, Set<Descriptor> anyRecords, Set<Descriptor> anyQueries) {
  public Claims {
    commands = commands.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(commands));
    records = records.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(records));
    queries = queries.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(queries));
    anyCommands = Set.copyOf(anyCommands);
    anyRecords = Set.copyOf(anyRecords);
    anyQueries = Set.copyOf(anyQueries);
  }

  /** Claims of a domain with envelope cases. */
  public static Claims cases(Set<Command.BodyCase> commands, Set<Record.BodyCase> records, Set<Query.BodyCase> queries) {
    return new Claims(commands, records, queries, Set.of(), Set.of(), Set.of());
  }

  /** Claims of a domain whose messages travel in the envelope's {@code domain} field. */
  public static Claims messages(Set<Descriptor> commands, Set<Descriptor> records, Set<Descriptor> queries) {
    return new Claims(Set.of(), Set.of(), Set.of(), commands, records, queries);
  }

  /** The type URL {@link Any#pack} gives {@code type}: the routing key of the {@code domain} field. */
  public static String typeUrl(Descriptor type) {
    return "type.googleapis.com/" + type.getFullName();
  }

  public static String typeUrl(Message m) {
    return typeUrl(m.getDescriptorForType());
  }
}
