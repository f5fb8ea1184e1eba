package io.raftcoord.statemachine.catalog;

import java.util.Optional;

/**
 * Milvus's naming rule for databases, collections, partitions, aliases and fields: a letter or
 * underscore first, then letters, digits and underscores, at most {@link #MAX_LENGTH}
 * characters. Messages name the kind of object and the offending name, as Milvus does.
 */
public final class CatalogNames {
  public static final int MAX_LENGTH = 255;
  public static final String DEFAULT_DATABASE = "default";
  public static final String DEFAULT_PARTITION = "_default";

  private CatalogNames() {}

  /** The problem with {@code name} as a {@code kind} name, or empty when it is valid. */
  public static Optional<String> check(String kind, String name) {
    if (name.isEmpty()) {
      return Optional.of(kind + " name should not be empty");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of("the length of a " + kind + " name must be at most " + MAX_LENGTH
          + " characters, got " + name.length());
    }
    char first = name.charAt(0);
    if (first != '_' && !isAsciiLetter(first)) {
      return Optional.of("the first character of a " + kind + " name must be an underscore or a letter: \""
          + name + "\"");
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '_' && !isAsciiLetter(c) && !(c >= '0' && c <= '9')) {
        return Optional.of(kind + " name can only contain numbers, letters and underscores: \"" + name + "\"");
      }
    }
    return Optional.empty();
  }

  /** An empty database name in a request means the default database. */
  public static String dbOrDefault(String db) {
    return db.isEmpty() ? DEFAULT_DATABASE : db;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
