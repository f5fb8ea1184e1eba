package io.raftcoord.tools.cli;

import static io.raftcoord.tools.cli.CoordctlRuns.assertOneLineUsageError;
import static io.raftcoord.tools.cli.CoordctlRuns.parse;
import static io.raftcoord.tools.cli.CoordctlRuns.run;

import io.raftcoord.tools.cli.CoordctlRuns.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The DataCoord commands' parsing, usage errors (before connecting), segment paging and the flush
 * wait's polling; nothing here reaches a quorum (see the server module's integration test for
 * the commands against one).
 */
class DataCoordCommandsTest {
  // ---- collection selector ----

  @Test
  void collectionIsANameADbDotNameOrAnId() {
    assertEquals(CollectionSelector.newBuilder().setName("books").build(), DataCoordArgs.collection("books", null));
    assertEquals(CollectionSelector.newBuilder().setDb("library").setName("books").build(),
        DataCoordArgs.collection("books", "library"));
    assertEquals(CollectionSelector.newBuilder().setDb("library").setName("books").build(),
        DataCoordArgs.collection("library.books", null));
    assertEquals(CollectionSelector.newBuilder().setId(449).build(), DataCoordArgs.collection("449", null));
    assertEquals(CollectionSelector.newBuilder().setName("_books2").build(), DataCoordArgs.collection("_books2", null));
  }

  @Test
  void collectionMistakesAreNamed() {
    assertEquals("give the database either as --collection DB.NAME or with --db, not both",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("a.b", "c")).getMessage());
    assertEquals("collection 'a.b.c' is not DB.NAME",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("a.b.c", null)).getMessage());
    assertEquals("collection '.b' is not DB.NAME",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection(".b", null)).getMessage());
    assertEquals("collection 'a.' is not DB.NAME",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("a.", null)).getMessage());
    assertTrue(assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("449", "db")).getMessage()
        .startsWith("--db cannot be used with a collection id"));
    assertEquals("collection id must be positive, got 0",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("0", null)).getMessage());
    assertTrue(assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection("4x", null)).getMessage()
        .startsWith("collection '4x' is neither a name"));
    assertEquals("the collection must not be empty",
        assertThrows(CliSupport.UsageException.class, () -> DataCoordArgs.collection(" ", null)).getMessage());
  }

  // ---- parsing ----

  @Test
  void channelsParsesCollectionAndNode() {
    ChannelsCommand c = parse("channels", "--collection", "library.books", "--node", "7", "--json");
    assertEquals("library.books", c.collection.collection);
    assertNull(c.collection.db);
    assertEquals(7L, c.node);
    assertTrue(c.root().json);
    ChannelsCommand all = parse("channels");
    assertNull(all.collection.selector(), "no --collection: every collection");
    assertNull(all.node);
  }

  @Test
  void segmentsListParsesEveryFilter() {
    SegmentsCommand.ListSegmentsCommand l = parse("segments", "list", "--db", "library", "--collection", "books",
        "--partition", "450", "--channel", "ch", "--node", "7", "--state", "growing,Sealed", "--state", "FLUSHING",
        "--level", "L0", "--limit", "20", "--after-id", "1000");
    assertEquals(CollectionSelector.newBuilder().setDb("library").setName("books").build(), l.collection.selector());
    assertEquals(450L, l.partition);
    assertEquals("ch", l.channel);
    assertEquals(7L, l.node);
    assertEquals(List.of(SegmentState.GROWING, SegmentState.SEALED, SegmentState.FLUSHING), l.states);
    assertEquals(SegmentLevel.L0, l.level);
    assertEquals(20, l.limit);
    assertEquals(1000L, l.afterId);
    SegmentsCommand.ListSegmentsCommand d = parse("segments", "list", "--collection", "books");
    assertTrue(d.states.isEmpty());
    assertNull(d.level);
    assertEquals(1000, d.limit);
    assertEquals(0L, d.afterId);
    assertEquals(SegmentLevel.LEVEL_LEGACY,
        ((SegmentsCommand.ListSegmentsCommand) parse("segments", "list", "--level", "legacy")).level);
  }

  @Test
  void everyStateParses() {
    for (SegmentState s : DataCoordArgs.STATES) {
      SegmentsCommand.ListSegmentsCommand l = parse("segments", "list", "--state", s.name().toLowerCase());
      assertEquals(List.of(s), l.states);
    }
    assertFalse(DataCoordArgs.STATE_NAMES.contains("none"));
  }

  @Test
  void flushParsesWaitAndItsTimeout() {
    FlushCommand f = parse("flush", "books", "--db", "library", "--wait", "--wait-timeout", "90s");
    assertEquals("books", f.collection);
    assertEquals("library", f.db);
    assertTrue(f.await);
    assertEquals(90_000L, f.waitTimeoutMs);
    FlushCommand plain = parse("flush", "library.books");
    assertFalse(plain.await);
    assertNull(plain.waitTimeoutMs);
    assertEquals(5.0, plain.root().timeoutSeconds, "the global --timeout stays the per-request deadline");
    assertEquals(1_500L, ((FlushCommand) parse("flush", "b", "--wait", "--wait-timeout", "1500ms")).waitTimeoutMs);
    assertEquals(120_000L, ((FlushCommand) parse("flush", "b", "--wait", "--wait-timeout", "2m")).waitTimeoutMs);
    assertEquals(30_000L, ((FlushCommand) parse("flush", "b", "--wait", "--wait-timeout", "30")).waitTimeoutMs);
  }

  @Test
  void durationsAndSizes() {
    assertEquals(1_500L, DataCoordArgs.parseDuration("1.5s", "ms"));
    assertEquals(1_500L, DataCoordArgs.parseDuration("1500", "ms"));
    assertEquals(1_500_000L, DataCoordArgs.parseDuration("1500", "s"));
    assertEquals(86_400_000L, DataCoordArgs.parseDuration("1d", "ms"));
    assertEquals(5_400_000L, DataCoordArgs.parseDuration("1.5H", "ms"));
    assertNull(DataCoordArgs.parseDuration("1.0005s", "ms"), "not a whole number of ms");
    assertNull(DataCoordArgs.parseDuration("-1s", "ms"));
    assertNull(DataCoordArgs.parseDuration("1w", "ms"));
    assertNull(DataCoordArgs.parseDuration("99999999999999999999", "ms"), "overflow");
    assertEquals(4096L, DataCoordArgs.parseBytes("4096"));
    assertEquals(4096L, DataCoordArgs.parseBytes("4KiB"));
    assertEquals(512L << 20, DataCoordArgs.parseBytes("512 MiB"));
    assertEquals(3L << 29, DataCoordArgs.parseBytes("1.5gib"));
    assertNull(DataCoordArgs.parseBytes("1.5KB"), "decimal units are ambiguous: refused");
    assertNull(DataCoordArgs.parseBytes("0.1"));
    assertNull(DataCoordArgs.parseBytes("16EiB"));
  }

  // ---- settings ----

  @Test
  void settingsSetTakesProtoNamesWithUnits() {
    DataCoordCommand.Settings s = parse("datacoord", "settings", "--set", "max_segment_bytes=512MiB",
        "--set", "MAX-IDLE-MS=5m", "--set", "seal_proportion_permille=12.5%", "--set", "max_binlog_files=64",
        "--set", "allocation_expire_ms=1500", "--set", "max_segment_bytes=4096");
    assertEquals(DataCoordSettings.newBuilder().setMaxSegmentBytes(4096).setMaxIdleMs(300_000)
        .setSealProportionPermille(125).setMaxBinlogFiles(64).setAllocationExpireMs(1_500).build(),
        DataCoordArgs.settingsChange(s.set), "a later value for the same setting wins");
    DataCoordCommand.Settings show = parse("datacoord", "settings");
    assertTrue(show.set.isEmpty());
  }

  @Test
  void settingsHelpNamesEverySettingWithItsUnit() {
    Run r = run("datacoord", "settings", "--help");
    assertEquals(0, r.code());
    for (var f : DataCoordArgs.settingFields()) {
      String unit = switch (DataCoordArgs.Unit.of(f.getName())) {
        case BYTES -> "bytes";
        case MILLIS -> "ms";
        case PERMILLE -> "1/1000";
        case COUNT -> "count";
      };
      assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+" + f.getName() + "\\s+" + java.util.regex.Pattern.quote(unit)
          + "\\s.*")), "help names " + f.getName() + " with unit " + unit + ":\n" + r.out());
    }
  }

  @Test
  void topLevelHelpListsTheDataCoordCommands() {
    Run r = run("--help");
    for (String c : List.of("channels", "segments", "flush", "datacoord")) {
      assertTrue(r.out().contains("\n  " + c + " "), c + " in:\n" + r.out());
    }
  }

  // ---- usage errors (exit 2, one line, before connecting) ----

  @Test
  void badInputIsAOneLineUsageError() {
    assertOneLineUsageError(run("segments", "list"),
        "coordctl: give --collection, --channel or --node (see 'coordctl segments list --help')");
    assertOneLineUsageError(run("segments", "list", "--collection", "a.b", "--db", "x"),
        "coordctl: give the database either as --collection DB.NAME or with --db, not both");
    assertOneLineUsageError(run("segments", "list", "--db", "x", "--channel", "c"),
        "coordctl: --db needs --collection NAME");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--state", "frozen"),
        "coordctl: Invalid value for option '--state' (STATE): 'frozen' is not a segment state (expected one of "
            + "growing, sealed, flushed, flushing, dropped, importing)");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--state", "none"),
        "coordctl: Invalid value for option '--state' (STATE): 'none' is not a segment state");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--level", "l3"),
        "coordctl: Invalid value for option '--level': 'l3' is not a segment level (expected one of l0, l1, l2, legacy)");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--limit", "0"),
        "coordctl: --limit must be at least 1, got 0");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--partition", "0"),
        "coordctl: --partition must be a positive id, got 0");
    assertOneLineUsageError(run("segments", "list", "--node", "-3"),
        "coordctl: --node must be a positive server id, got -3");
    assertOneLineUsageError(run("segments", "list", "--channel", " "), "coordctl: --channel must not be empty");
    assertOneLineUsageError(run("segments", "list", "--collection", "b", "--after-id", "-1"),
        "coordctl: --after-id must not be negative, got -1");
    assertOneLineUsageError(run("segments", "describe"), "coordctl: Missing required parameter: 'SEGMENT_ID'");
    assertOneLineUsageError(run("segments", "describe", "abc"),
        "coordctl: Invalid value for positional parameter at index 0 (SEGMENT_ID): 'abc' is not a long");
    assertOneLineUsageError(run("segments", "describe", "0"), "coordctl: SEGMENT_ID must be a positive id, got 0");
    assertOneLineUsageError(run("segments"), "coordctl: Missing subcommand: one of list, describe");
    assertOneLineUsageError(run("channels", "--node", "0"), "coordctl: --node must be a positive server id, got 0");
    assertOneLineUsageError(run("channels", "--collection", "x.y.z"), "coordctl: collection 'x.y.z' is not DB.NAME");
    assertOneLineUsageError(run("flush"), "coordctl: Missing required parameter: 'COLLECTION'");
    assertOneLineUsageError(run("flush", "449", "--db", "x"), "coordctl: --db cannot be used with a collection id");
    assertOneLineUsageError(run("flush", "b", "--wait-timeout", "10s"), "coordctl: --wait-timeout needs --wait");
    assertOneLineUsageError(run("flush", "b", "--wait", "--wait-timeout", "0s"),
        "coordctl: Invalid value for option '--wait-timeout': '0s' is not a positive duration");
    assertOneLineUsageError(run("flush", "b", "--wait", "--wait-timeout", "soon"),
        "coordctl: Invalid value for option '--wait-timeout': 'soon' is not a positive duration (e.g. 90s, 5m, 1500ms, "
            + "1h; a bare number is seconds)");
    assertOneLineUsageError(run("datacoord"), "coordctl: Missing subcommand: one of settings");
  }

  @Test
  void badSettingsAreOneLineUsageErrors() {
    assertOneLineUsageError(run("datacoord", "settings", "--set", "foo=1"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): unknown setting 'foo' (expected one of "
            + "max_segment_bytes, seal_proportion_permille,");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_segment_bytes"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): 'max_segment_bytes' is not NAME=VALUE");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "=5"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): '=5' is not NAME=VALUE");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_segment_bytes=-1"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): max_segment_bytes: '-1' is not a size in bytes");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_segment_bytes=1.5KB"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): max_segment_bytes: '1.5KB' is not a size in bytes "
            + "(a whole number, or with KiB, MiB, GiB, TiB: 512MiB)");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_life_ms=forever"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): max_life_ms: 'forever' is not a duration in ms");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "seal_proportion_permille=0.12"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): seal_proportion_permille: '0.12' is not thousandths "
            + "(a whole number, or a percentage: 12%)");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "seal_proportion_permille=x%"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): seal_proportion_permille: 'x%' is not thousandths");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_binlog_files=3000000000"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): max_binlog_files must be at most 2147483647");
    assertOneLineUsageError(run("datacoord", "settings", "--set", "max_segments=1e7"),
        "coordctl: Invalid value for option '--set' (NAME=VALUE): max_segments: '1e7' is not a whole number");
  }

  // ---- segment paging ----

  private static Segment seg(long id) {
    return Segment.newBuilder().setId(id).setState(SegmentState.GROWING).setNumRows(10).build();
  }

  /** A fake server holding segments 1..n, honouring after_id and limit (0: 10,000) and recording the reads. */
  private static final class FakeSegments implements Function<ListSegments, SegmentList> {
    final long n;
    final List<ListSegments> reads = new ArrayList<>();

    FakeSegments(long n) {
      this.n = n;
    }

    @Override
    public SegmentList apply(ListSegments q) {
      reads.add(q);
      int limit = q.getLimit() == 0 ? 10_000 : q.getLimit();
      SegmentList.Builder b = SegmentList.newBuilder();
      long id = q.getAfterId() + 1;
      for (; id <= n && b.getSegmentsCount() < limit; id++) {
        b.addSegments(seg(id));
      }
      return b.setMore(id <= n).build();
    }
  }

  private static final ListSegments Q = ListSegments.newBuilder()
      .setCollection(CollectionSelector.newBuilder().setName("books")).build();

  @Test
  void listStopsAtTheLastPage() {
    FakeSegments f = new FakeSegments(3);
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(f, Q, 0, 1000);
    assertEquals(List.of(1L, 2L, 3L), p.segments().stream().map(Segment::getId).toList());
    assertFalse(p.more());
    assertEquals(1, f.reads.size());
    assertEquals(1000, f.reads.get(0).getLimit());
    assertEquals("books", f.reads.get(0).getCollection().getName(), "the filters go along");
  }

  @Test
  void listPagesUpToTheLimitThenCountsTheRest() {
    FakeSegments f = new FakeSegments(12_345);
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(f, Q, 0, 7_000);
    assertEquals(7_000, p.segments().size());
    assertEquals(7_000L, p.segments().get(6_999).getId());
    assertTrue(p.more());
    assertEquals(5_345, p.moreCount());
    assertTrue(p.moreExact());
    assertEquals(List.of(0L, 5_000L, 7_000L, 12_000L), f.reads.stream().map(ListSegments::getAfterId).toList());
    assertEquals(List.of(5_000, 2_000, 5_000, 5_000), f.reads.stream().map(ListSegments::getLimit).toList());
  }

  @Test
  void listStartsAfterTheGivenId() {
    FakeSegments f = new FakeSegments(10);
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(f, Q, 8, 5);
    assertEquals(List.of(9L, 10L), p.segments().stream().map(Segment::getId).toList());
    assertFalse(p.more());
  }

  @Test
  void listExactlyAtTheLimitWithNothingLeft() {
    FakeSegments f = new FakeSegments(5);
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(f, Q, 0, 5);
    assertEquals(5, p.segments().size());
    assertFalse(p.more());
  }

  @Test
  void countingTheRestStopsAtTheCap() {
    FakeSegments f = new FakeSegments(1_000_000);
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(f, Q, 0, 10);
    assertTrue(p.more());
    assertEquals(SegmentsCommand.COUNT_CAP, p.moreCount());
    assertFalse(p.moreExact());
    assertEquals(1 + SegmentsCommand.COUNT_CAP / SegmentsCommand.PAGE, f.reads.size());
  }

  @Test
  void aServerSayingMoreWithAnEmptyPageDoesNotLoop() {
    List<ListSegments> reads = new ArrayList<>();
    DataCoordOutput.SegmentPage p = SegmentsCommand.list(q -> {
      reads.add(q);
      return SegmentList.newBuilder().setMore(true).build();
    }, Q, 0, 10);
    assertTrue(p.segments().isEmpty());
    assertFalse(p.more());
    assertEquals(1, reads.size());
  }

  // ---- flush wait ----

  /** A clock that moves only when slept on (and by {@code pollCostMs} per poll). */
  private static final class FakeClock implements FlushWait.Clock {
    long now = 1_000_000;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nowMs() {
      return now;
    }

    @Override
    public void sleep(long ms) {
      sleeps.add(ms);
      now += ms;
    }
  }

  private static FlushState pending(long... segments) {
    FlushState.Builder b = FlushState.newBuilder();
    for (long s : segments) {
      b.addPendingSegments(s);
    }
    return b.build();
  }

  @Test
  void waitReturnsOnceFlushedAndReportsChangesOnly() throws InterruptedException {
    FakeClock clock = new FakeClock();
    Deque<FlushState> states = new ArrayDeque<>(List.of(pending(1, 2), pending(1, 2), pending(2),
        FlushState.newBuilder().addPendingChannels("ch0").build(), FlushState.newBuilder().setFlushed(true).build()));
    List<String> progress = new ArrayList<>();
    FlushWait.Result r = FlushWait.await(states::removeFirst, 60_000, clock, progress::add);
    assertTrue(r.flushed());
    assertEquals(5, r.polls());
    assertEquals(List.of(100L, 150L, 225L, 337L), clock.sleeps, "the pause grows by half each time");
    assertEquals(812, r.waitedMs());
    assertEquals(List.of(
        "waiting (0.0s): 2 segment(s) pending [1-2]; 0 channel(s) below flush_ts",
        "waiting (0.3s): 1 segment(s) pending [2]; 0 channel(s) below flush_ts",
        "waiting (0.5s): 0 segment(s) pending; 1 channel(s) below flush_ts: ch0"), progress);
  }

  @Test
  void waitGivesUpAtTheDeadlineWithAFinalPollThere() throws InterruptedException {
    FakeClock clock = new FakeClock();
    List<Long> pollTimes = new ArrayList<>();
    List<String> progress = new ArrayList<>();
    FlushWait.Result r = FlushWait.await(() -> {
      pollTimes.add(clock.now);
      return pending(7);
    }, 30_000, clock, progress::add);
    assertFalse(r.flushed());
    assertEquals(30_000, r.waitedMs(), "never sleeps past the deadline");
    assertEquals(1_030_000L, pollTimes.get(pollTimes.size() - 1), "the last poll is at the deadline");
    assertTrue(clock.sleeps.stream().allMatch(s -> s > 0 && s <= FlushWait.MAX_PAUSE_MS), clock.sleeps.toString());
    assertTrue(pollTimes.size() < 30, "bounded polling: " + pollTimes.size() + " polls");
    assertEquals(pending(7), r.last());
    assertTrue(progress.size() >= 3 && progress.size() <= 4,
        "unchanged state is repeated only every 10 s: " + progress);
    CoordException e = FlushWait.timedOut("default.books", 30_000, r);
    assertEquals(ErrorCode.DEADLINE_EXCEEDED, e.code());
    assertEquals("DEADLINE_EXCEEDED: flush of default.books not finished after 30s: 1 segment(s) pending [7]; 0 "
        + "channel(s) below flush_ts", CliSupport.describe(e));
    assertEquals(CliSupport.EXIT_FAILED, CliSupport.exitCode(e));
  }

  @Test
  void waitRetriesUnavailableButNotOtherErrors() throws InterruptedException {
    FakeClock clock = new FakeClock();
    Deque<Object> answers = new ArrayDeque<>(List.of(new CoordException(ErrorCode.UNAVAILABLE, "no leader"),
        new CoordException(ErrorCode.DEADLINE_EXCEEDED, "slow"), FlushState.newBuilder().setFlushed(true).build()));
    List<String> progress = new ArrayList<>();
    FlushWait.Result r = FlushWait.await(() -> {
      Object a = answers.removeFirst();
      if (a instanceof CoordException e) {
        throw e;
      }
      return (FlushState) a;
    }, 60_000, clock, progress::add);
    assertTrue(r.flushed());
    assertEquals(List.of("flush state: UNAVAILABLE: no leader (retrying)", "flush state: DEADLINE_EXCEEDED: slow (retrying)"),
        progress);
    CoordException notFound = assertThrows(CoordException.class, () -> FlushWait.await(() -> {
      throw new CoordException(ErrorCode.NOT_FOUND, "collection 449 not found");
    }, 60_000, new FakeClock(), progress::add));
    assertEquals(ErrorCode.NOT_FOUND, notFound.code());
  }

  @Test
  void waitThatNeverReadAStateSaysSo() throws InterruptedException {
    FakeClock clock = new FakeClock();
    FlushWait.Result r = FlushWait.await(() -> {
      throw new CoordException(ErrorCode.UNAVAILABLE, "no leader");
    }, 1_000, clock, s -> { });
    assertFalse(r.flushed());
    assertNull(r.last());
    assertEquals("flush of id 1 not finished after 1s: no flush state could be read",
        FlushWait.timedOut("id 1", 1_000, r).getMessage());
  }
}
