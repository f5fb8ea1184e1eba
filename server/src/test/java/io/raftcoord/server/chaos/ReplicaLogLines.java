package io.raftcoord.server.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads a replica's log file for the report. Lines are cut to 300 characters so that a stack trace
 * or a huge message cannot swamp the summary; a log that cannot be read reads as empty.
 */
final class ReplicaLogLines {
  private static final int MAX_LINE = 300;

  private ReplicaLogLines() {
  }

  /** Lines after line {@code from} that mention a full disk, an error or a halt (at most 200). */
  static List<String> errorLines(Path log, long from) {
    try (Stream<String> s = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return s.skip(from).filter(ReplicaLogLines::isError).map(ReplicaLogLines::cut).limit(200).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }

  /**
   * Why a replica that stopped by itself stopped: the first error its latest run logged (Ratis's
   * client-side retry errors aside) and the two lines after it (the exception and where it was
   * thrown), or null if it logged none.
   */
  static String failure(Path log) {
    List<String> lines;
    try (Stream<String> s = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      lines = s.toList();
    } catch (IOException | UncheckedIOException e) {
      return null;
    }
    int start = 0;
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains("Starting Apache Ratis Server")) {
        start = i;
        break;
      }
    }
    for (int i = start; i < lines.size(); i++) {
      String l = lines.get(i);
      if (isError(l) && !l.contains("OrderedAsync")) {
        return String.join(" | ", lines.subList(i, Math.min(lines.size(), i + 3)).stream().map(ReplicaLogLines::cut)
            .toList());
      }
    }
    return null;
  }

  static boolean contains(Path log, long from, String text) {
    try (Stream<String> s = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return s.skip(from).anyMatch(l -> l.contains(text));
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  private static boolean isError(String l) {
    return l.contains("No space left") || l.contains("ERROR") || l.contains("halt") || l.contains("Log already failed");
  }

  private static String cut(String l) {
    return l.length() > MAX_LINE ? l.substring(0, MAX_LINE) : l;
  }
}
