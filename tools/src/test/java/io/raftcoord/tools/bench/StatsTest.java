package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void parsesConcurrencyListsInOrder() {
    assertEquals(List.of(1, 16, 64), Stats.parseConcurrency("1,16,64"));
    assertEquals(List.of(64, 1), Stats.parseConcurrency(" 64 , 1 "));
    assertEquals(List.of(8), Stats.parseConcurrency("8"));
    assertEquals(List.of(4096), Stats.parseConcurrency("4096"));
  }

  @Test
  void rejectsBadConcurrencyListsNamingTheElement() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("1,x,64"))
        .getMessage().contains("'x'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("0"))
        .getMessage().contains("0 is out of range"));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("-4"));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("4097"));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("1,,2"));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("1,"));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency(""));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency(null));
    assertThrows(IllegalArgumentException.class, () -> Stats.parseConcurrency("1.5"));
  }

  @Test
  void formatsMicrosecondsAsMillisecondsRoundingHalfUp() {
    assertEquals("0.00", Stats.ms(0));
    assertEquals("0.00", Stats.ms(4));
    assertEquals("0.01", Stats.ms(5));
    assertEquals("1.23", Stats.ms(1234));
    assertEquals("1.24", Stats.ms(1235));
    assertEquals("2.00", Stats.ms(1999));
    assertEquals("40.00", Stats.ms(40_000));
    assertEquals("1234.57", Stats.ms(1_234_567));
    assertEquals("-1.50", Stats.ms(-1500));
  }

  @Test
  void formatsJsonMillisecondsWithMicrosecondPrecision() {
    assertEquals("0.001", Stats.msJson(1));
    assertEquals("1.234", Stats.msJson(1234));
    assertEquals("40.000", Stats.msJson(40_000));
    assertEquals("12345.678", Stats.msJson(12_345_678));
  }

  @Test
  void formatsRates() {
    assertEquals("31,235", Stats.rate(31234.6));
    assertEquals("0", Stats.rate(0.2));
    assertEquals("-", Stats.rate(Double.NaN));
    assertEquals("31234.6", Stats.rateJson(31234.6));
    assertEquals("null", Stats.rateJson(Double.POSITIVE_INFINITY));
    assertEquals("-", Stats.ratioText(Stats.ratio(5, 0)));
    assertEquals("2.5", Stats.ratioText(Stats.ratio(5, 2)));
  }

  @Test
  void medianAndMax() {
    assertEquals(3.0, Stats.median(5, 1, 3));
    assertEquals(2.5, Stats.median(4, 1, 3, 2));
    assertEquals(7.0, Stats.median(7));
    assertTrue(Double.isNaN(Stats.median()));
    assertEquals(5.0, Stats.max(5, 1, 3));
    assertTrue(Double.isNaN(Stats.max()));
  }

  @Test
  void onOffFlags() {
    assertTrue(Stats.parseOnOff("--merge", "on"));
    assertTrue(Stats.parseOnOff("--merge", "TRUE"));
    assertFalse(Stats.parseOnOff("--merge", "off"));
    assertFalse(Stats.parseOnOff("--merge", "no"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Stats.parseOnOff("--merge", "maybe"))
        .getMessage().startsWith("--merge: expected on or off"));
  }

  @Test
  void secondsFlags() {
    assertEquals(1500, Stats.seconds("--duration", 1.5, false));
    assertEquals(0, Stats.seconds("--warmup", 0, true));
    assertThrows(IllegalArgumentException.class, () -> Stats.seconds("--duration", 0, false));
    assertThrows(IllegalArgumentException.class, () -> Stats.seconds("--warmup", -1, true));
    assertThrows(IllegalArgumentException.class, () -> Stats.seconds("--warmup", Double.NaN, true));
  }
}
