package io.raftcoord.archfixture;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Test-only classes for {@code ArchitectureTest}: each forbidden one reads one source of
 * nondeterminism that apply must never touch, so that the determinism rule is shown to catch
 * it. Never used at run time; deliberately outside {@code io.raftcoord.statemachine}.
 */
public final class NondeterminismFixtures {
  private NondeterminismFixtures() {}

  public static final class ReadsWallClock {
    long now() {
      return System.currentTimeMillis();
    }
  }

  public static final class ReadsNanoTime {
    long now() {
      return System.nanoTime();
    }
  }

  public static final class ReadsInstantNow {
    long now() {
      return Instant.now().toEpochMilli();
    }
  }

  public static final class ReadsLocalDateTimeNow {
    int hour() {
      return LocalDateTime.now().getHour();
    }
  }

  public static final class UsesClock {
    long now() {
      return Clock.systemUTC().millis();
    }
  }

  public static final class UsesRandom {
    int next() {
      return new Random(42).nextInt();
    }
  }

  public static final class UsesThreadLocalRandom {
    int next() {
      return ThreadLocalRandom.current().nextInt();
    }
  }

  public static final class UsesSecureRandom {
    int next() {
      return new SecureRandom().nextInt();
    }
  }

  public static final class UsesRandomUuid {
    String id() {
      return UUID.randomUUID().toString();
    }
  }

  public static final class ReadsEnvironment {
    String peers() {
      return System.getenv("RAFTCOORD_PEERS");
    }
  }

  public static final class ReadsSystemProperty {
    String dir() {
      return System.getProperty("user.dir");
    }
  }

  /** Uses close neighbours of the forbidden APIs that are deterministic: must pass the rule. */
  public static final class Deterministic {
    long compute(long leaderTimeMs, byte[] seed) {
      Instant t = Instant.ofEpochMilli(leaderTimeMs).plus(Duration.ofMillis(5));
      UUID derived = UUID.nameUUIDFromBytes(seed);
      return Math.max(t.toEpochMilli(), derived.getLeastSignificantBits()) + Long.parseLong("1");
    }
  }
}
