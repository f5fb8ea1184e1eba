package io.raftcoord.tools.cli;

import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.WatchQuery;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coordctl watch}: follows the catalog's change feed, one line (or one JSON object) per
 * event, until interrupted. The watch resumes by itself across leader changes; a revision that
 * is no longer retained (COMPACTED) ends it with exit code 1.
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Print catalog change events as they happen, one line each, until interrupted (Ctrl-C).",
        "With --json: one JSON object per line.",
        "Exit code 1 when --from is older than the retained feed (COMPACTED): list the catalog again and watch "
            + "from a newer revision."})
final class WatchCommand extends CatalogCommand {
  @Option(names = "--from", paramLabel = "REV", defaultValue = "0",
      description = "First revision (log index) to show; 1 replays the whole retained feed (default: changes after now).")
  long from;

  @Option(names = "--db", paramLabel = "DB", defaultValue = "",
      description = "Only changes in this database (default: every database).")
  String db;

  @Option(names = "--collection", paramLabel = "NAME", defaultValue = "",
      description = "Only changes of this collection (before or after a rename) and of its partitions and aliases.")
  String collection;

  @Option(names = "--kind", paramLabel = "KIND", split = ",", converter = ChangeKindConverter.class,
      description = "Only these kinds (repeatable or comma-separated), e.g. COLLECTION_CREATED,COLLECTION_DROPPED.")
  List<ChangeKind> kinds = new ArrayList<>();

  /** For tests and scripts: exit 0 after this many events. */
  @Option(names = "--max-events", paramLabel = "N", hidden = true)
  Integer maxEvents;

  @Override
  public Integer call() throws InterruptedException {
    if (from < 0) {
      throw usage("--from must be 0 (changes after now) or a revision >= 1, got " + from);
    }
    long max = maxEvents == null ? Long.MAX_VALUE : positive("--max-events", maxEvents);
    WatchQuery filter = WatchQuery.newBuilder().setFromRevision(from).addDomains("catalog").setDb(db).setCollection(collection)
        .addAllKinds(kinds).build();
    boolean json = root().json;
    PrintWriter out = out();
    PrintWriter err = err();
    CompletableFuture<Void> done = new CompletableFuture<>();
    try (CoordClient client = root().connect()) {
      CatalogWatch.Listener listener = new CatalogWatch.Listener() {
        private long printed;
        private boolean failing;

        @Override
        public void onEvents(List<ChangeEvent> events, long nextRevision) {
          failing = false;
          for (ChangeEvent e : events) {
            if (done.isDone()) {
              return;
            }
            out.println(json ? Output.json(CatalogOutput.eventJson(e)) : CatalogOutput.eventText(e));
            if (++printed >= max) {
              done.complete(null);
            }
          }
          out.flush();
        }

        @Override
        public void onCompacted(CoordException e) {
          done.completeExceptionally(e);
        }

        @Override
        public void onError(CoordException e) {
          // Once per failure streak: the watch keeps retrying from the same revision.
          if (!failing) {
            failing = true;
            err.println("coordctl: watch: " + CliSupport.describe(e) + " (retrying)");
            err.flush();
          }
        }
      };
      CatalogWatch watch = client.watch(filter, listener);
      Thread onExit = new Thread(() -> {
        watch.close();
        out.flush();
      }, "coordctl-watch-exit");
      Runtime.getRuntime().addShutdownHook(onExit);
      try {
        done.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof CoordException ce ? ce : new IllegalStateException(e.getCause());
      } finally {
        watch.close();
        try {
          Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs anyway.
        }
      }
    }
    return 0;
  }
}
