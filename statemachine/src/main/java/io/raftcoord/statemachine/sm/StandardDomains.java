package io.raftcoord.statemachine.sm;

import io.raftcoord.statemachine.catalog.CatalogDomain;
import io.raftcoord.statemachine.datacoord.DataCoordDomain;
import io.raftcoord.statemachine.datatasks.DataTasksDomain;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.ids.IdDomain;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.querycoord.QueryCoordDomain;
import io.raftcoord.statemachine.session.SessionDomain;
import io.raftcoord.statemachine.tso.TsoControl;
import io.raftcoord.statemachine.tso.TsoDomain;
import io.raftcoord.statemachine.version.VersionControl;
import io.raftcoord.statemachine.version.VersionDomain;
import java.util.List;

/**
 * The registered domains, in load order: the one list a new domain adds itself to. The core's
 * allocators and versions come first because the other domains generate with them.
 */
public final class StandardDomains {
  /** What every domain may use: the TSO, the ID allocator and the committed apply version. */
  public record Core(TsoControl tso, IdControl ids, VersionControl versions) {}

  private StandardDomains() {}

  public static List<Domain> create(Core core, DomainEnv env) {
    CatalogDomain catalog = new CatalogDomain(core.ids(), core.tso(), core.versions());
    SessionDomain sessions = new SessionDomain(core.ids(), env);
    DataCoordDomain data = new DataCoordDomain(catalog.catalog(), sessions.table(), core.ids(), core.tso(), env);
    return List.of(
        new TsoDomain(core.tso()),
        new IdDomain(core.ids()),
        new VersionDomain(core.versions(), env.replicaId()),
        catalog,
        sessions,
        data,
        new QueryCoordDomain(catalog.catalog(), sessions.table(), data.table(), core.ids(), env),
        new DataTasksDomain(catalog.catalog(), sessions.table(), data.table(), core.ids(), env));
  }
}
