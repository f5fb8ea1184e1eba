package io.raftcoord.tools.cli;

import com.google.gson.JsonElement;
import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.catalog.SchemaJson;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.KeyValue;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What coordctl's catalog commands share: the root command's global options ({@code --peers},
 * {@code --json}, {@code --timeout}), printing text or one line of JSON, usage errors found after
 * parsing, and the converters of their option values.
 *
 * <p>Every check that needs no server (option values, the schema file) happens before
 * connecting, so that bad input fails fast with exit code 2 and without a quorum.
 */
abstract class CatalogCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  Coordctl root() {
    return (Coordctl) spec.root().userObject();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A usage error found after parsing: one line, {@code (see '<command> --help')}, exit code 2. */
  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Connects with the global options, runs {@code f} against the catalog and closes the client. */
  <T> T withCatalog(Function<CatalogClient, T> f) {
    try (CoordClient c = root().connect()) {
      return f.apply(c.catalog());
    }
  }

  /** Prints {@code text} or, with {@code --json}, the JSON (one line). */
  void print(Supplier<String> text, Supplier<? extends JsonElement> json) {
    out().println(root().json ? Output.json(json.get()) : text.get());
    out().flush();
  }

  /** {@code value} when it is at least 1; otherwise a usage error naming the option. */
  int positive(String option, int value) {
    if (value < 1) {
      throw usage(option + " must be at least 1, got " + value);
    }
    return value;
  }

  /** A database given with --db, as the server names it in replies ({@code ""} means default). */
  static String dbName(String db) {
    return db == null || db.isEmpty() ? "default" : db;
  }

  /**
   * Reads and parses a schema file (see {@link SchemaJson#fromJson}). Every problem is one
   * line naming the file: {@code schema file 'F': <problem>}, a usage error (exit code 2).
   */
  static CollectionSchema readSchema(Path file) {
    String where = "schema file '" + file + "': ";
    if (Files.isDirectory(file)) {
      throw new CliSupport.UsageException(where + "is a directory");
    }
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliSupport.UsageException(where + "no such file");
    } catch (AccessDeniedException e) {
      throw new CliSupport.UsageException(where + "permission denied");
    } catch (CharacterCodingException e) {
      throw new CliSupport.UsageException(where + "not UTF-8 text");
    } catch (IOException e) {
      String m = e.getMessage() == null || e.getMessage().equals(file.toString())
          ? e.getClass().getSimpleName() : e.getMessage();
      throw new CliSupport.UsageException(where + "cannot be read (" + CliSupport.firstLine(m) + ")");
    }
    try {
      return SchemaJson.fromJson(json);
    } catch (IllegalArgumentException e) {
      String m = CliSupport.firstLine(e.getMessage());
      throw new CliSupport.UsageException(where + (m.startsWith("schema JSON: ") ? m.substring("schema JSON: ".length()) : m));
    }
  }

  /** A command group (db, collection, ...): run without a subcommand it is a one-line usage error. */
  abstract static class Group implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "Missing subcommand: one of "
          + String.join(", ", spec.subcommands().keySet()));
    }
  }

  /** The {@code --db} option of commands that act in one database. */
  static final class DbOption {
    @Option(names = "--db", paramLabel = "DB", defaultValue = "",
        description = "Database (default: default).")
    String db;
  }

  /** KEY=VALUE pairs in order; a later value for the same key wins. */
  static Map<String, String> toMap(List<KeyValue> kvs) {
    Map<String, String> m = new LinkedHashMap<>();
    kvs.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
    return m;
  }

  /** {@code KEY=VALUE}, split at the first {@code =}; the value may be empty, the key not. */
  static final class KeyValueConverter implements CommandLine.ITypeConverter<KeyValue> {
    @Override
    public KeyValue convert(String value) {
      int eq = value.indexOf('=');
      if (eq < 0) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not KEY=VALUE");
      }
      if (eq == 0) {
        throw new CommandLine.TypeConversionException("'" + value + "' has an empty KEY");
      }
      return KeyValue.newBuilder().setKey(value.substring(0, eq)).setValue(value.substring(eq + 1)).build();
    }
  }

  /** Milvus's consistency level names, any case. */
  static final class ConsistencyConverter implements CommandLine.ITypeConverter<ConsistencyLevel> {
    static final String NAMES = "Strong, Session, Bounded, Eventually";

    @Override
    public ConsistencyLevel convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "strong" -> ConsistencyLevel.STRONG;
        case "session" -> ConsistencyLevel.SESSION;
        case "bounded" -> ConsistencyLevel.BOUNDED;
        case "eventually" -> ConsistencyLevel.EVENTUALLY;
        default -> throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a consistency level (expected one of " + NAMES + ")");
      };
    }
  }

  /** A change kind by its name in the proto, any case ({@code -} for {@code _} also works). */
  static final class ChangeKindConverter implements CommandLine.ITypeConverter<ChangeKind> {
    static final String NAMES = Arrays.stream(ChangeKind.values())
        .filter(k -> k != ChangeKind.CHANGE_KIND_NONE && k != ChangeKind.UNRECOGNIZED)
        .map(Enum::name).collect(Collectors.joining(", "));

    @Override
    public ChangeKind convert(String value) {
      String n = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      for (ChangeKind k : ChangeKind.values()) {
        if (k != ChangeKind.CHANGE_KIND_NONE && k != ChangeKind.UNRECOGNIZED && k.name().equals(n)) {
          return k;
        }
      }
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a change kind (expected one of " + NAMES + ")");
    }
  }
}
