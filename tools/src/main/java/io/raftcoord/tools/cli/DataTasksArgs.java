package io.raftcoord.tools.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * Option values of the datatasks commands (compaction, index, tasks, gc, datatasks settings): task
 * types and states (any case, with short names), index parameters and the settings'
 * {@code key=value} changes (durations and sizes as {@code datacoord settings} reads them). Every
 * converter fails with one line naming the value and what would have been valid.
 */
final class DataTasksArgs {
  private DataTasksArgs() {}

  // ---- task types ----

  /** The task types a user may ask for, in proto order. */
  static final List<TaskType> TYPES = Arrays.stream(TaskType.values())
      .filter(t -> t != TaskType.TASK_TYPE_NONE && t != TaskType.UNRECOGNIZED).toList();

  /** The compaction types (what {@code compaction list} shows). */
  static final List<TaskType> COMPACTION_TYPES = List.of(TaskType.MIX_COMPACTION, TaskType.L0_COMPACTION,
      TaskType.SINGLE_COMPACTION);

  /** A type's short name: mix, l0, single, index, gc. */
  static String shortName(TaskType t) {
    return switch (t) {
      case MIX_COMPACTION -> "mix";
      case L0_COMPACTION -> "l0";
      case SINGLE_COMPACTION -> "single";
      case INDEX_BUILD -> "index";
      case GC -> "gc";
      case TASK_TYPE_NONE, UNRECOGNIZED -> "?";
    };
  }

  /** {@code mix (mix_compaction), l0 (l0_compaction), ...} of {@code types}. */
  static String typeNames(List<TaskType> types) {
    return types.stream().map(t -> {
      String full = t.name().toLowerCase(Locale.ROOT);
      String s = shortName(t);
      return s.equals(full) ? s : s + " (" + full + ")";
    }).collect(Collectors.joining(", "));
  }

  /** A type by its short name or proto name, any case, {@code -} for {@code _}; null when neither. */
  static TaskType type(String value) {
    String n = value.strip().toLowerCase(Locale.ROOT).replace('-', '_');
    for (TaskType t : TYPES) {
      if (shortName(t).equals(n) || t.name().toLowerCase(Locale.ROOT).equals(n)) {
        return t;
      }
    }
    return switch (n) {
      case "index_build", "build" -> TaskType.INDEX_BUILD;
      default -> null;
    };
  }

  /** {@code mix}, {@code L0}, {@code MIX_COMPACTION}, {@code index}, ...: any task type. */
  static final class TypeConverter implements CommandLine.ITypeConverter<TaskType> {
    @Override
    public TaskType convert(String value) {
      TaskType t = type(value);
      if (t == null) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a task type (expected one of "
            + typeNames(TYPES) + ")");
      }
      return t;
    }
  }

  /** Like {@link TypeConverter}, but only the compaction types. */
  static final class CompactionTypeConverter implements CommandLine.ITypeConverter<TaskType> {
    @Override
    public TaskType convert(String value) {
      TaskType t = type(value);
      if (t == null || !COMPACTION_TYPES.contains(t)) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a compaction type (expected one of "
            + typeNames(COMPACTION_TYPES) + ")");
      }
      return t;
    }
  }

  // ---- task states ----

  /** The states a listed task can be in (CLEANED tasks are gone from the table). */
  static final List<TaskState> STATES = Arrays.stream(TaskState.values())
      .filter(s -> s != TaskState.TASK_STATE_NONE && s != TaskState.CLEANED && s != TaskState.UNRECOGNIZED).toList();

  static final String STATE_NAMES = STATES.stream().map(s -> s.name().toLowerCase(Locale.ROOT))
      .collect(Collectors.joining(", "));

  /** {@code executing}, {@code Completed}, {@code FAILED}, ...: any case; Milvus's index names too. */
  static final class StateConverter implements CommandLine.ITypeConverter<TaskState> {
    @Override
    public TaskState convert(String value) {
      String n = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
      for (TaskState s : STATES) {
        if (s.name().equals(n)) {
          return s;
        }
      }
      // Milvus's index build states.
      TaskState milvus = switch (n) {
        case "UNISSUED" -> TaskState.PIPELINING;
        case "INPROGRESS", "IN_PROGRESS" -> TaskState.EXECUTING;
        case "FINISHED" -> TaskState.COMPLETED;
        default -> null;
      };
      if (milvus == null) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a task state (expected one of "
            + STATE_NAMES + ")");
      }
      return milvus;
    }
  }

  // ---- index parameters ----

  /**
   * The parameters of {@code index create}: the {@code --param} pairs in order, then {@code --metric}
   * as {@code metric_type}. A key given twice (or {@code --metric} with a different
   * {@code metric_type}) is a {@link CliSupport.UsageException}.
   */
  static Map<String, String> indexParams(List<KeyValue> params, String metric) {
    Map<String, String> m = new LinkedHashMap<>();
    for (KeyValue kv : params) {
      String key = kv.getKey().strip();
      if (key.isEmpty()) {
        throw new CliSupport.UsageException("--param '" + kv.getKey() + "=" + kv.getValue() + "' has an empty KEY");
      }
      String was = m.put(key, kv.getValue());
      if (was != null) {
        throw new CliSupport.UsageException("--param " + key + " is given twice ('" + was + "' and '" + kv.getValue()
            + "')");
      }
    }
    if (metric != null) {
      if (metric.isBlank()) {
        throw new CliSupport.UsageException("--metric must not be empty");
      }
      String was = m.get("metric_type");
      if (was != null && !was.equalsIgnoreCase(metric.strip())) {
        throw new CliSupport.UsageException("--metric " + metric + " contradicts --param metric_type=" + was);
      }
      m.put("metric_type", was != null ? was : metric.strip().toUpperCase(Locale.ROOT));
    }
    return m;
  }

  // ---- settings ----

  /** How a setting's value is written and shown: {@link DataCoordArgs.Unit}, or a boolean. */
  enum Unit {
    BOOL("true or false"),
    BYTES(DataCoordArgs.Unit.BYTES.help),
    MILLIS(DataCoordArgs.Unit.MILLIS.help),
    PERMILLE(DataCoordArgs.Unit.PERMILLE.help),
    COUNT(DataCoordArgs.Unit.COUNT.help);

    final String help;

    Unit(String help) {
      this.help = help;
    }

    static Unit of(FieldDescriptor f) {
      if (f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN) {
        return BOOL;
      }
      return switch (DataCoordArgs.Unit.of(f.getName())) {
        case BYTES -> BYTES;
        case MILLIS -> MILLIS;
        case PERMILLE -> PERMILLE;
        case COUNT -> COUNT;
      };
    }

    /** The unit column of the settings help: bytes, ms, 1/1000, count, bool. */
    String label() {
      return switch (this) {
        case BOOL -> "bool";
        case BYTES -> "bytes";
        case MILLIS -> "ms";
        case PERMILLE -> "1/1000";
        case COUNT -> "count";
      };
    }
  }

  /** Every setting (proto field) in field order. */
  static List<FieldDescriptor> settingFields() {
    return DataTasksSettings.getDescriptor().getFields();
  }

  static String settingNames() {
    return settingFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", "));
  }

  /** One change: the proto field and its value (a Boolean, Integer or Long, as the field's type). */
  record SettingChange(FieldDescriptor field, Object value) {}

  /**
   * {@code name=value}: the name as in the proto ({@code -} for {@code _} also works, any case), the
   * value in the setting's unit (see {@link Unit}); 0 is a value here (every setting is optional on
   * the wire), the server checks each setting's bounds.
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
      FieldDescriptor f = DataTasksSettings.getDescriptor().findFieldByName(name);
      if (f == null) {
        throw new CommandLine.TypeConversionException("unknown setting '" + arg.substring(0, eq) + "' (expected one of "
            + settingNames() + ")");
      }
      Unit unit = Unit.of(f);
      if (unit == Unit.BOOL) {
        Boolean b = switch (value.toLowerCase(Locale.ROOT)) {
          case "true", "on", "yes", "1" -> Boolean.TRUE;
          case "false", "off", "no", "0" -> Boolean.FALSE;
          default -> null;
        };
        if (b == null) {
          throw new CommandLine.TypeConversionException(f.getName() + ": '" + value + "' is not " + unit.help);
        }
        return new SettingChange(f, b);
      }
      Long v = switch (unit) {
        case BYTES -> DataCoordArgs.parseBytes(value);
        case MILLIS -> DataCoordArgs.parseDuration(value, "ms");
        case PERMILLE -> permille(value);
        default -> value.matches("\\d+") ? wholeNumber(value) : null;
      };
      if (v == null) {
        throw new CommandLine.TypeConversionException(f.getName() + ": '" + value + "' is not " + unit.help);
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.INT) {
        if (v > Integer.MAX_VALUE) {
          throw new CommandLine.TypeConversionException(f.getName() + " must be at most " + Integer.MAX_VALUE
              + ", got '" + value + "'");
        }
        return new SettingChange(f, (int) (long) v);
      }
      return new SettingChange(f, v);
    }
  }

  private static Long wholeNumber(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Long permille(String value) {
    if (value.endsWith("%")) {
      String n = value.substring(0, value.length() - 1).strip();
      if (!n.matches("\\d+(\\.\\d+)?")) {
        return null;
      }
      try {
        return new java.math.BigDecimal(n).multiply(java.math.BigDecimal.TEN).longValueExact();
      } catch (ArithmeticException e) {
        return null;
      }
    }
    return value.matches("\\d+") ? wholeNumber(value) : null;
  }

  /** The settings change of {@code changes} (a later value for the same setting wins). */
  static DataTasksSettings settingsChange(List<SettingChange> changes) {
    DataTasksSettings.Builder b = DataTasksSettings.newBuilder();
    for (SettingChange c : changes) {
      b.setField(c.field(), c.value());
    }
    return b.build();
  }
}
