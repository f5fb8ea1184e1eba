package io.raftcoord.statemachine.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.sm.StandardDomains;
import io.raftcoord.statemachine.tso.TsoControl;
import io.raftcoord.statemachine.tso.TsoDomain;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.statemachine.version.VersionControl;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every case of the envelope has exactly one handler: the registry refuses a case claimed twice,
 * and this test fails on a case (a new oneof field) or a domain message type no domain claims.
 */
class DomainRegistryTest {
  private static DomainRegistry standard() {
    return new DomainRegistry(StandardDomains.create(new StandardDomains.Core(new TsoControl(), new IdControl(),
        new VersionControl(ApplyVersions.THIS_BINARY)), DomainEnv.unclocked("n1", Set.of())));
  }

  @Test
  void everyEnvelopeCaseIsClaimedByADomain() {
    DomainRegistry r = standard();
    assertEquals(Set.of(Command.BodyCase.BODY_NOT_SET, Command.BodyCase.DOMAIN), r.unclaimedCommandCases());
    assertEquals(Set.of(Record.BodyCase.BODY_NOT_SET, Record.BodyCase.DOMAIN), r.unclaimedRecordCases());
    assertEquals(Set.of(Query.BodyCase.BODY_NOT_SET, Query.BodyCase.DOMAIN), r.unclaimedQueryCases());
  }

  @Test
  void domainMessageTypesRouteToTheirDomainAndUnknownOnesNowhere() {
    DomainRegistry r = standard();
    Set<Descriptor> seen = new HashSet<>();
    for (Domain d : r.all()) {
      for (Descriptor t : d.claims().anyCommands()) {
        assertTrue(seen.add(t), t.getFullName() + " claimed twice");
        Command c = Command.newBuilder().setDomain(Any.newBuilder().setTypeUrl(Claims.typeUrl(t))).build();
        assertEquals(d, r.forCommand(c).orElseThrow());
      }
      for (Descriptor t : d.claims().anyRecords()) {
        assertEquals(d, r.forRecord(Record.newBuilder().setDomain(Any.newBuilder().setTypeUrl(Claims.typeUrl(t))).build())
            .orElseThrow());
      }
      for (Descriptor t : d.claims().anyQueries()) {
        assertEquals(d, r.forQuery(Query.newBuilder().setDomain(Any.newBuilder().setTypeUrl(Claims.typeUrl(t))).build())
            .orElseThrow());
      }
    }
    assertTrue(r.forCommand(Command.newBuilder().setDomain(Any.newBuilder().setTypeUrl("type.googleapis.com/x.Unknown"))
        .build()).isEmpty());
  }

  @Test
  void aCaseClaimedTwiceStopsTheRegistry() {
    TsoControl tso = new TsoControl();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new DomainRegistry(List.of(new TsoDomain(tso), new Domain() {
          @Override
          public String name() {
            return "copycat";
          }

          @Override
          public Claims claims() {
            return Claims.cases(Set.of(Command.BodyCase.TSO_ALLOCATE), Set.of(), Set.of());
          }

          @Override
          public void load(io.raftcoord.statemachine.store.CoordStore store) { }

          @Override
          public io.raftcoord.statemachine.apply.ApplyResult generate(io.raftcoord.statemachine.apply.ApplyContext ctx,
              io.raftcoord.proto.CommandHeader header, Command command) {
            throw new AssertionError();
          }

          @Override
          public void replay(io.raftcoord.statemachine.apply.ApplyContext ctx, Record record,
              io.raftcoord.statemachine.store.StoreBatch sb) { }

          @Override
          public io.raftcoord.proto.QueryReply.Builder read(Query query) {
            throw new AssertionError();
          }
        })));
    assertTrue(e.getMessage().contains("TSO_ALLOCATE is claimed by both tso and copycat"), e.getMessage());
  }
}
