package io.raftcoord.server.fault;

import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DataType;

/**
 * The schemas the DDL fault and chaos workloads create their collections with, and that
 * {@link DdlChecker} expects an acknowledged collection to carry whole, so a half-applied create
 * shows: mostly 8 fields (an Int64 primary key, a FloatVector of dim 8 and six scalars); one
 * collection in {@value #LARGE_ONE_IN} gets {@link #LARGE}, whose create command is close to
 * the largest a client may send, so that crashes land on log segments holding large entries.
 */
public final class DdlSchema {
  public static final int LARGE_ONE_IN = 50;

  public static final CollectionSchema EIGHT_FIELDS = Schemas.schema()
      .field(Schemas.int64("pk").primary())
      .field(Schemas.floatVector("embedding", 8))
      .field(Schemas.varChar("title", 128).defaultValue("untitled"))
      .field(Schemas.int32("year").nullable())
      .field(Schemas.floatField("score").defaultValue(0.5f))
      .field(Schemas.bool("published"))
      .field(Schemas.json("meta"))
      .field(Schemas.array("tags", DataType.INT64, 16))
      .description("ddl fault workload").build();

  /** 64 fields (the default limit) with long descriptions and a long collection description: about 180 KB. */
  public static final CollectionSchema LARGE = large();

  private DdlSchema() {}

  /** The schema of the workloads' collection {@code name}; the same in every process. */
  public static CollectionSchema of(String name) {
    return Math.floorMod(name.hashCode(), LARGE_ONE_IN) == 0 ? LARGE : EIGHT_FIELDS;
  }

  private static CollectionSchema large() {
    Schemas.SchemaBuilder b = Schemas.schema()
        .field(Schemas.int64("pk").primary())
        .field(Schemas.floatVector("embedding", 8));
    for (int i = 0; i < 62; i++) {
      b.field(Schemas.varChar("text_" + i, 1024).description(filler("field " + i + " ", 256)));
    }
    return b.description(filler("large ddl fault workload schema ", 160 * 1024)).build();
  }

  /** {@code length} characters of {@code seed} repeated with a running counter, so nothing shrinks them. */
  private static String filler(String seed, int length) {
    StringBuilder sb = new StringBuilder(length + 64);
    for (int i = 0; sb.length() < length; i++) {
      sb.append(seed).append(i).append(' ');
    }
    sb.setLength(length);
    return sb.toString();
  }
}
