package io.raftcoord.server.fault;

import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DataType;

/**
 * The schema every DDL fault and chaos workload creates its collections with, and that
 * {@link DdlChecker} expects an acknowledged collection to carry whole: 8 fields (an Int64
 * primary key, a FloatVector of dim 8 and six scalars), so a half-applied create shows.
 */
public final class DdlSchema {
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

  private DdlSchema() {}
}
