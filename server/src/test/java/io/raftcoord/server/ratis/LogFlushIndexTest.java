package io.raftcoord.server.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.server.RatisTuning;
import io.raftcoord.server.ServerConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When does Ratis 3.2.2's segmented log call an entry flushed? Proved on a real
 * {@link SegmentedRaftLog} (no server, no network) whose flushes the test finishes itself.
 *
 * <p>Why it matters: an entry's append future completing is the log saying "this entry is durable
 * here". A follower then acknowledges the entry to the leader, and the leader counts its own flush
 * index the same way; an entry is committed once acknowledged by a majority, i.e. flushed on a
 * majority. If the log marks an entry flushed before a finished flush covers it, a follower can
 * acknowledge an entry that is still in the log's user-space write buffer (or only in the page
 * cache), the entry commits and its result reaches the client, and a crash of a majority then loses
 * a committed entry.
 *
 * <p>With {@code raft.server.log.async-flush.enabled=true}, 3.2.2 marks as flushed, when a flush
 * <em>completes</em>, everything written by then, including entries written after that flush began
 * and that no finished flush covers; and it does so even when the flush failed. The project runs
 * with sync flush ({@link RatisTuning}); the tests named "withTheProjectsSettings..." prove that
 * under its settings no append completes beyond what a finished flush covered and that a failed
 * flush acknowledges nothing. The "ratis322..." tests are canaries proving the defect is real in
 * 3.2.2 with async flush.
 *
 * <p>The state machine's {@code data().flush(index)} future is part of every log flush: the log
 * marks entries flushed only once both the channel's force and that future are done. Holding that
 * future back therefore lets the test decide when a flush finishes, and how.
 */
class LogFlushIndexTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  // A fresh log starts at index 0, but 3.2.2's acknowledgement watermark (WriteLogTasks.index)
  // also starts at 0, so under async flush an entry at index 0 is acknowledged as soon as it is
  // written, flush or not. Starting the log after a snapshot at index 0 keeps every entry here
  // behind a real flush.
  private static final long SNAPSHOT_INDEX = 0;
  private static final long A = 1;
  private static final long B = 2;
  private static final long C = 3;
  private static final ClientId CLIENT_ID = ClientId.randomId();

  @TempDir
  Path dir;

  private final HeldFlushStateMachine stateMachine = new HeldFlushStateMachine();
  private RaftGroupMemberId memberId;
  private RaftStorage storage;
  private SegmentedRaftLog log;

  /**
   * The state machine data policy ({@code raft.server.log.statemachine.data.sync}). The project keeps
   * Ratis's default (sync); an operator can switch it off through a raw {@code raft.*} override
   * (ServerConfig.ratisOverrides), and the flush guarantee must not depend on it. It changes where the
   * log worker waits for the state machine's flush: before the channel's force (sync) or after it.
   */
  enum DataPolicy {
    PROJECT_DEFAULT_SYNC {
      @Override
      RaftProperties applyTo(RaftProperties p) {
        return p;
      }
    },
    OVERRIDDEN_NOT_SYNC {
      @Override
      RaftProperties applyTo(RaftProperties p) {
        RaftServerConfigKeys.Log.StateMachineData.setSync(p, false);
        return p;
      }
    };

    abstract RaftProperties applyTo(RaftProperties p);
  }

  @AfterEach
  void closeLog() throws IOException {
    // A worker blocked on a held flush would keep close() waiting for it.
    stateMachine.completeAll();
    if (log != null) {
      log.close(); // closes the storage too
    } else if (storage != null) {
      storage.close();
    }
  }

  /**
   * Under the project's settings, an append completes only once a finished flush covers it. With
   * async flush switched on this test fails: deterministically under the not-sync data policy, and
   * under the sync policy whenever the force of A outlasts the worker's writing of B and C (a race
   * the test cannot hold open, which a disk's force practically always loses).
   */
  @ParameterizedTest
  @EnumSource(DataPolicy.class)
  void withTheProjectsSettingsNoAppendCompletesBeyondAFinishedFlush(DataPolicy dataPolicy) throws Exception {
    open(dataPolicy.applyTo(projectProperties()));
    Appended appended = appendThreeAndFinishOnlyTheFlushOfA();

    assertEquals(A, await(appended.a()), "A's flush finished, so A is acknowledged");
    // The log raises its flush index before it completes A's future, in the same step; B's and C's
    // futures may be completed a moment later on another thread. So once A is acknowledged the
    // flush index is settled and is the deterministic witness.
    assertEquals(A, log.getFlushIndex(),
        "only the flush that began after A was written has finished, yet the flush index passed A");
    assertFalse(appended.b().isDone(), "B was acknowledged although no finished flush covers it");
    assertFalse(appended.c().isDone(), "C was acknowledged although no finished flush covers it");

    stateMachine.completeAll();
    assertEquals(B, await(appended.b()));
    assertEquals(C, await(appended.c()));
    assertEquals(C, log.getFlushIndex());
  }

  /**
   * Canary documenting the upstream defect: with async flush, Ratis 3.2.2 reads the last written
   * index when a flush completes, not when it was submitted, so B and C are acknowledged once A's
   * flush finishes although every flush that began after they were written is still unfinished. If a
   * Ratis upgrade fixes this, this test fails, and async flush can be reconsidered (re-run the
   * project's-settings tests above with it on first).
   *
   * <p>The data policy is set to not-sync here because with the sync policy the worker waits for the
   * state machine's flush before it even submits the force; the defect is still there, but its window
   * is then the force's duration, which the test cannot hold open.
   */
  @Test
  void ratis322AsyncFlushMarksEntriesFlushedThatNoFlushCovered() throws Exception {
    open(asyncFlushProperties());
    Appended appended = appendThreeAndFinishOnlyTheFlushOfA();

    assertEquals(B, await(appended.b()));
    assertEquals(C, await(appended.c()));
    assertEquals(C, log.getFlushIndex());
    List<FlushCall> later = stateMachine.calls().stream().filter(call -> call.index() > A).toList();
    assertFalse(later.isEmpty(), "the worker flushed C");
    assertTrue(later.stream().noneMatch(call -> call.future().isDone()),
        "B and C must have been acknowledged while every flush begun after A was unfinished: " + later);
  }

  /**
   * Ratis 3.2.2 with sync flush fails the append whose flush failed, with the flush's own exception,
   * and then fails the log: later appends are refused rather than acknowledged behind the lost flush.
   */
  @ParameterizedTest
  @EnumSource(DataPolicy.class)
  void withTheProjectsSettingsAFailedFlushAcknowledgesNothing(DataPolicy dataPolicy) throws Exception {
    open(dataPolicy.applyTo(projectProperties()));
    CompletableFuture<Long> a = log.appendEntry(entry(A));
    IOException injected = new IOException("injected: the state machine's flush failed");
    stateMachine.awaitCall(A).future().completeExceptionally(injected);

    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> a.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    assertSame(injected, failed.getCause());
    assertEquals(SNAPSHOT_INDEX, log.getFlushIndex());

    CompletableFuture<Long> b = log.appendEntry(entry(B));
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> b.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    assertInstanceOf(RaftLogIOException.class, refused.getCause());
    assertSame(injected, refused.getCause().getCause());
    assertEquals(SNAPSHOT_INDEX, log.getFlushIndex());
  }

  /**
   * Canary documenting the upstream defect: with async flush, Ratis 3.2.2 ignores a failed flush and
   * acknowledges the entries it was to make durable. (With the sync data policy the worker's own
   * wait for the state machine's flush fails the entry first, hence the not-sync policy here.)
   */
  @Test
  void ratis322AsyncFlushAcknowledgesAnEntryWhoseFlushFailed() throws Exception {
    open(asyncFlushProperties());
    CompletableFuture<Long> a = log.appendEntry(entry(A));
    stateMachine.awaitCall(A).future().completeExceptionally(new IOException("injected: the state machine's flush failed"));

    assertEquals(A, await(a));
    assertEquals(A, log.getFlushIndex());
  }

  private record Appended(CompletableFuture<Long> a, CompletableFuture<Long> b, CompletableFuture<Long> c) {}

  /**
   * Appends A, then B and C while A's flush is held, and finishes A's flush only once the worker has
   * either gone on to flush C without waiting (async flush) or is waiting inside A's flush (sync
   * flush). Returns when the worker has asked for a flush covering C, which stays held.
   */
  private Appended appendThreeAndFinishOnlyTheFlushOfA() throws InterruptedException {
    CompletableFuture<Long> a = log.appendEntry(entry(A));
    FlushCall flushOfA = stateMachine.awaitCall(A);
    CompletableFuture<Long> b = log.appendEntry(entry(B));
    CompletableFuture<Long> c = log.appendEntry(entry(C));
    awaitTrue("the log worker to ask for a flush covering C, or to wait inside the flush of A",
        () -> stateMachine.hasCall(C) || workerWaitsInsideAFlush());
    flushOfA.future().complete(null);
    stateMachine.awaitCall(C);
    return new Appended(a, b, c);
  }

  /**
   * Whether this log's worker thread is parked on a future inside {@code flushIfNecessary}. Only sync
   * flush waits there (on the state machine's flush); the IOUtils frame rules out a brief park on an
   * executor's queue lock while async flush submits the force.
   */
  private boolean workerWaitsInsideAFlush() {
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      if (!t.getName().startsWith(memberId.toString()) || !t.getName().endsWith("SegmentedRaftLogWorker")) {
        continue;
      }
      Thread.State state = t.getState();
      if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
        continue;
      }
      boolean inFutureGet = false;
      for (StackTraceElement frame : e.getValue()) {
        if (frame.getClassName().equals("org.apache.ratis.util.IOUtils") && frame.getMethodName().equals("getFromFuture")) {
          inFutureGet = true;
        } else if (inFutureGet && frame.getClassName().endsWith(".SegmentedRaftLogWorker")
            && frame.getMethodName().equals("flushIfNecessary")) {
          return true;
        }
      }
    }
    return false;
  }

  private static RaftProperties projectProperties() {
    return RatisTuning.build(ServerConfig.defaults(1,
        ClusterLayout.parsePeers("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"), Path.of("unused")));
  }

  private static RaftProperties asyncFlushProperties() {
    RaftProperties p = projectProperties();
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, true);
    return DataPolicy.OVERRIDDEN_NOT_SYNC.applyTo(p);
  }

  private void open(RaftProperties p) throws IOException {
    memberId = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("s1"), RaftGroupId.randomId());
    File storageDir = Files.createDirectories(dir.resolve(memberId.getGroupId().getUuid().toString())).toFile();
    storage = RaftStorage.newBuilder()
        .setDirectory(storageDir)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(RaftServerConfigKeys.storageFreeSpaceMin(p))
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.corruptionPolicy(p))
        .build();
    storage.initialize();
    log = SegmentedRaftLog.newBuilder()
        .setMemberId(memberId)
        .setStateMachine(stateMachine)
        .setStorage(storage)
        .setProperties(p)
        .setSnapshotIndexSupplier(() -> SNAPSHOT_INDEX)
        .build();
    log.open(SNAPSHOT_INDEX, null);
  }

  private static LogEntryProto entry(long index) {
    // Log data only: state machine data would add the state machine's write future to the append.
    // The client id is required: Ratis parses it whenever it prints an entry, e.g. in a failed task.
    StateMachineLogEntryProto smEntry = StateMachineLogEntryProto.newBuilder()
        .setClientId(CLIENT_ID.toByteString())
        .setCallId(index)
        .setLogData(ByteString.copyFromUtf8("entry " + index))
        .build();
    return LogProtoUtils.toLogEntryProto(smEntry, 1, index);
  }

  private static long await(CompletableFuture<Long> appended) throws Exception {
    try {
      return appended.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return fail("append not acknowledged within " + TIMEOUT, e);
    }
  }

  /** Polls a condition that has nothing to wait on, up to {@link #TIMEOUT}. */
  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + TIMEOUT + " waiting for " + what);
      }
      Thread.sleep(1);
    }
  }

  private record FlushCall(long index, CompletableFuture<Void> future) {}

  /** A state machine whose data flushes finish only when the test finishes them. */
  private static final class HeldFlushStateMachine extends BaseStateMachine {
    private final List<FlushCall> calls = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<Void> flush(long index) {
      FlushCall call = new FlushCall(index, new CompletableFuture<>());
      calls.add(call);
      notifyAll();
      return call.future();
    }

    synchronized boolean hasCall(long minIndex) {
      return calls.stream().anyMatch(call -> call.index() >= minIndex);
    }

    /** The first flush call with an index of at least {@code minIndex}, waiting up to {@link #TIMEOUT}. */
    synchronized FlushCall awaitCall(long minIndex) throws InterruptedException {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      for (;;) {
        for (FlushCall call : calls) {
          if (call.index() >= minIndex) {
            return call;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return fail("no state machine flush with index >= " + minIndex + " within " + TIMEOUT + "; calls: " + calls);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    synchronized List<FlushCall> calls() {
      return List.copyOf(calls);
    }

    /** Completes outside the monitor: a sync worker that wakes up may ask for the next flush at once. */
    void completeAll() {
      for (FlushCall call : calls()) {
        call.future().complete(null);
      }
    }
  }
}
