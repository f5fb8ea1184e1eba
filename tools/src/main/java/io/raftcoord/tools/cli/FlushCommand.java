package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordReply;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coordctl flush}: seals a collection's growing segments and prints the segments to wait
 * for and the flush timestamp; with {@code --wait}, polls the flush state until they are all
 * flushed and every channel's checkpoint has passed the flush timestamp, or the wait times out.
 */
@Command(name = "flush", mixinStandardHelpOptions = true,
    description = {"Flush a collection: seal its growing segments; print the segments to wait for (every growing, "
        + "sealed or flushing one) and the flush timestamp.",
        "With --wait: wait until those segments are flushed (or dropped) and every channel's checkpoint has reached "
            + "the flush timestamp; what is pending is printed on stderr meanwhile. Exit code 1 when --wait-timeout "
            + "passes first (the flush goes on without us).",
        "The data nodes do the flushing: without one watching each channel, --wait times out."})
final class FlushCommand extends CatalogCommand {
  @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
  String collection;

  @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
  String db;

  @Option(names = "--wait", description = "Wait until the flush has finished.")
  boolean await;

  @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DataCoordArgs.DurationConverter.class,
      description = "Longest --wait waits: e.g. 90s, 5m, 1500ms; a bare number is seconds (default 60s). The global "
          + "--timeout bounds each request.")
  Long waitTimeoutMs;

  static final long DEFAULT_WAIT_MS = 60_000;

  @Override
  public Integer call() throws InterruptedException {
    CollectionSelector sel;
    try {
      sel = DataCoordArgs.collection(collection, db);
    } catch (CliSupport.UsageException e) {
      throw usage(e.getMessage());
    }
    if (waitTimeoutMs != null && !await) {
      throw usage("--wait-timeout needs --wait");
    }
    long waitMs = waitTimeoutMs == null ? DEFAULT_WAIT_MS : waitTimeoutMs;
    boolean json = root().json;
    PrintWriter out = out();
    PrintWriter err = err();
    try (CoordClient client = root().connect()) {
      String dbName = sel.getDb();
      String name = sel.getName();
      if (sel.getId() != 0) {
        CollectionInfo c = client.catalog().describeCollection(sel.getId()).getCollection();
        dbName = c.getDbName();
        name = c.getName();
      }
      String what = CatalogCommand.dbName(dbName) + "." + name;
      DataCoordReply r = client.dataCoord().flush(dbName, name);
      if (!await) {
        print(() -> DataCoordOutput.flushText(r), () -> DataCoordOutput.flushJson(r, null, 0));
        return 0;
      }
      if (!json) {
        out.println(DataCoordOutput.flushText(r));
        out.flush();
      }
      FlushWait.Result res = FlushWait.await(() -> client.dataCoord().flushState(r), waitMs, FlushWait.SYSTEM,
          line -> {
            err.println("coordctl: flush: " + line);
            err.flush();
          });
      if (!res.flushed()) {
        if (json) {
          out.println(Output.json(DataCoordOutput.flushJson(r, false, res.waitedMs())));
          out.flush();
        }
        throw FlushWait.timedOut(what, waitMs, res);
      }
      print(() -> DataCoordOutput.flushedText(r, res.waitedMs()), () -> DataCoordOutput.flushJson(r, true, res.waitedMs()));
    }
    return 0;
  }
}
