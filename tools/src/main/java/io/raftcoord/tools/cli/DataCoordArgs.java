package io.raftcoord.tools.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Option values of the DataCoord commands (channels, segments, flush, datacoord settings): the
 * collection a command is about, segment states and levels, durations, byte sizes and the
 * settings' {@code key=value} changes. Every converter fails with one line naming the value.
 */
final class DataCoordArgs {
  private DataCoordArgs() {}

  // ---- collection ----

  /**
   * {@code --collection [DB.]NAME|ID} with {@code --db DB}: a collection by database and name
   * (or alias), by {@code DB.NAME}, or by id (Milvus names never start with a digit). Neither
   * option: no collection (every collection, where the command allows it).
   */
  static final class CollectionOption {
    @Option(names = "--collection", paramLabel = "[DB.]NAME|ID",
        description = "The collection: NAME (or alias) in --db, DB.NAME, or its numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB",
        description = "Database of --collection NAME (default: default).")
    String db;

    /** The selector, or null when no collection was given. */
    CollectionSelector selector() {
      if (collection == null) {
        if (db != null) {
          throw new CliSupport.UsageException("--db needs --collection NAME");
        }
        return null;
      }
      return DataCoordArgs.collection(collection, db);
    }
  }

  /**
   * A collection named on the command line: {@code NAME}, {@code DB.NAME} or an id; {@code db}
   * is the --db option (null: not given). Bad input is a {@link CliSupport.UsageException}.
   */
  static CollectionSelector collection(String value, String db) {
    String v = value.strip();
    if (v.isEmpty()) {
      throw new CliSupport.UsageException("the collection must not be empty");
    }
    if (Character.isDigit(v.charAt(0))) {
      long id;
      try {
        id = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new CliSupport.UsageException("collection '" + value + "' is neither a name (names start with a letter "
            + "or _) nor a numeric id");
      }
      if (id <= 0) {
        throw new CliSupport.UsageException("collection id must be positive, got " + id);
      }
      if (db != null) {
        throw new CliSupport.UsageException("--db cannot be used with a collection id (an id names one collection in "
            + "any database)");
      }
      return CollectionSelector.newBuilder().setId(id).build();
    }
    int dot = v.indexOf('.');
    if (dot < 0) {
      return CollectionSelector.newBuilder().setDb(db == null ? "" : db).setName(v).build();
    }
    if (db != null) {
      throw new CliSupport.UsageException("give the database either as --collection DB.NAME or with --db, not both");
    }
    String d = v.substring(0, dot);
    String n = v.substring(dot + 1);
    if (d.isEmpty() || n.isEmpty() || n.indexOf('.') >= 0) {
      throw new CliSupport.UsageException("collection '" + value + "' is not DB.NAME");
    }
    return CollectionSelector.newBuilder().setDb(d).setName(n).build();
  }

  // ---- states and levels ----

  /** The segment states a user may ask for (every proto value but NONE). */
  static final List<SegmentState> STATES = Arrays.stream(SegmentState.values())
      .filter(s -> s != SegmentState.SEGMENT_STATE_NONE && s != SegmentState.UNRECOGNIZED).toList();

  static final String STATE_NAMES = STATES.stream().map(s -> s.name().toLowerCase(Locale.ROOT))
      .collect(Collectors.joining(", "));

  /** {@code growing}, {@code Sealed}, {@code FLUSHED}, ...: any case. */
  static final class StateConverter implements CommandLine.ITypeConverter<SegmentState> {
    @Override
    public SegmentState convert(String value) {
      String n = value.strip().toUpperCase(Locale.ROOT);
      for (SegmentState s : STATES) {
        if (s.name().equals(n)) {
          return s;
        }
      }
      throw new CommandLine.TypeConversionException("'" + value + "' is not a segment state (expected one of "
          + STATE_NAMES + ")");
    }
  }

  static final String LEVEL_NAMES = "l0, l1, l2, legacy";

  /** {@code l0}, {@code l1}, {@code l2}, {@code legacy}: any case. */
  static final class LevelConverter implements CommandLine.ITypeConverter<SegmentLevel> {
    @Override
    public SegmentLevel convert(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "l0" -> SegmentLevel.L0;
        case "l1" -> SegmentLevel.L1;
        case "l2" -> SegmentLevel.L2;
        case "legacy", "level_legacy" -> SegmentLevel.LEVEL_LEGACY;
        default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a segment level (expected "
            + "one of " + LEVEL_NAMES + ")");
      };
    }
  }

  /** A level as people write it: L0, L1, L2, Legacy. */
  static String levelName(SegmentLevel l) {
    return switch (l) {
      case L0 -> "L0";
      case L1 -> "L1";
      case L2 -> "L2";
      case LEVEL_LEGACY -> "Legacy";
      case UNRECOGNIZED -> "?";
    };
  }

  // ---- durations and sizes ----

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kib|mib|gib|tib)?");

  /**
   * Milliseconds of {@code 1500ms}, {@code 60s}, {@code 2.5m}, {@code 1h}, {@code 1d}; a bare
   * number is {@code defaultUnit} ("ms" or "s"). Null when it is not a duration.
   */
  static Long parseDuration(String value, String defaultUnit) {
    Matcher m = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    String unit = m.group(2) == null ? defaultUnit : m.group(2);
    long factor = switch (unit) {
      case "ms" -> 1L;
      case "s" -> 1_000L;
      case "m" -> 60_000L;
      case "h" -> 3_600_000L;
      default -> 86_400_000L;
    };
    return scaled(m.group(1), factor);
  }

  /** Bytes of {@code 4096}, {@code 512MiB}, {@code 1.5GiB}, ... (binary units only). Null when it is not a size. */
  static Long parseBytes(String value) {
    Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    long factor = switch (m.group(2) == null ? "b" : m.group(2)) {
      case "kib" -> 1L << 10;
      case "mib" -> 1L << 20;
      case "gib" -> 1L << 30;
      case "tib" -> 1L << 40;
      default -> 1L;
    };
    return scaled(m.group(1), factor);
  }

  /** {@code number × factor} when it is a whole number that fits in a long; null otherwise. */
  private static Long scaled(String number, long factor) {
    try {
      java.math.BigDecimal v = new java.math.BigDecimal(number).multiply(java.math.BigDecimal.valueOf(factor));
      return v.longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      return null;
    }
  }

  /** {@code --wait-timeout}: a positive duration; a bare number is seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      Long ms = parseDuration(value, "s");
      if (ms == null || ms < 1) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration (e.g. 90s, 5m, "
            + "1500ms, 1h; a bare number is seconds)");
      }
      return ms;
    }
  }

  // ---- settings ----

  /** How a setting's value is written and shown. */
  enum Unit {
    BYTES("a size in bytes (a whole number, or with KiB, MiB, GiB, TiB: 512MiB)"),
    MILLIS("a duration in ms (a whole number, or with s, m, h, d: 90s)"),
    PERMILLE("thousandths (a whole number, or a percentage: 12%)"),
    COUNT("a whole number");

    final String help;

    Unit(String help) {
      this.help = help;
    }

    static Unit of(String fieldName) {
      if (fieldName.endsWith("_bytes")) {
        return BYTES;
      }
      if (fieldName.endsWith("_ms")) {
        return MILLIS;
      }
      if (fieldName.endsWith("_permille")) {
        return PERMILLE;
      }
      return COUNT;
    }
  }

  /** Every setting (proto field) in field order. */
  static List<FieldDescriptor> settingFields() {
    return DataCoordSettings.getDescriptor().getFields();
  }

  static String settingNames() {
    return settingFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "));
  }

  /** One change: the proto field and its value. */
  record SettingChange(FieldDescriptor field, long value) {}

  /**
   * {@code name=value}: the name as in the proto ({@code -} for {@code _} also works, any case),
   * the value not negative (the server checks each setting's bounds), in the setting's unit (see {@link Unit}).
   */
  static final class SettingConverter implements CommandLine.ITypeConverter<SettingChange> {
    @Override
    public SettingChange convert(String arg) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.TypeConversionException("'" + arg + "' is not NAME=VALUE (names: " + settingNames() + ")");
      }
      String name = arg.substring(0, eq).strip().toLowerCase(Locale.ROOT).replace('-', '_');
      String value = arg.substring(eq + 1).strip();
      FieldDescriptor f = DataCoordSettings.getDescriptor().findFieldByName(name);
      if (f == null) {
        throw new CommandLine.TypeConversionException("unknown setting '" + arg.substring(0, eq) + "' (expected one of "
            + settingNames() + ")");
      }
      Unit unit = Unit.of(f.getName());
      Long v = switch (unit) {
        case BYTES -> parseBytes(value);
        case MILLIS -> parseDuration(value, "ms");
        case PERMILLE -> parsePermille(value);
        case COUNT -> value.matches("\\d+") ? scaled(value, 1) : null;
      };
      if (v == null) {
        throw new CommandLine.TypeConversionException(f.getName() + ": '" + value + "' is not " + unit.help);
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.INT && v > Integer.MAX_VALUE) {
        throw new CommandLine.TypeConversionException(f.getName() + " must be at most " + Integer.MAX_VALUE
            + ", got '" + value + "'");
      }
      return new SettingChange(f, v);
    }
  }

  private static Long parsePermille(String value) {
    if (value.endsWith("%")) {
      return scaled(value.substring(0, value.length() - 1).strip(), 10);
    }
    return value.matches("\\d+") ? scaled(value, 1) : null;
  }

  /** The settings change of {@code changes} (a later value for the same setting wins). */
  static DataCoordSettings settingsChange(List<SettingChange> changes) {
    DataCoordSettings.Builder b = DataCoordSettings.newBuilder();
    for (SettingChange c : changes) {
      b.setField(c.field(), c.field().getJavaType() == FieldDescriptor.JavaType.INT ? (Object) (int) c.value()
          : (Object) c.value());
    }
    return b.build();
  }
}
