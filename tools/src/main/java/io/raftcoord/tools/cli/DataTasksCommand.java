package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coordctl datatasks ...}: the replicated settings of compactions, index builds, the scheduler and GC. */
@Command(name = "datatasks", mixinStandardHelpOptions = true,
    description = "DataCoord's background work: settings (see also: compaction, index, tasks, gc).",
    subcommands = {DataTasksCommand.Settings.class})
final class DataTasksCommand extends CatalogCommand.Group {

  @Command(name = "settings", mixinStandardHelpOptions = true, usageHelpWidth = 120,
      description = {"Show the settings of compactions, index builds, the task scheduler and GC; with --set, change "
          + "the given ones (the others keep their values) and show them all after the change.",
          "Settings (Milvus's parameter under dataCoord., or what the setting bounds):",
          "  NAME                             UNIT    DEFAULT  MILVUS / MEANING",
          "  auto_compaction                  bool    true     compaction.enableAutoCompaction",
          "  mix_interval_ms                  ms      60s      compaction.mix.triggerInterval",
          "  l0_interval_ms                   ms      10s      compaction.levelzero.triggerInterval",
          "  small_proportion_permille        1/1000  500      segment.smallProportion",
          "  compactable_proportion_permille  1/1000  150      1 - segment.compactableProportion (0.85):",
          "                                                    the leftover a plan may leave",
          "  expansion_rate_permille          1/1000  1250     segment.expansionRate",
          "  min_segments_to_merge            count   3        compaction.min.segment",
          "  max_segments_per_plan            count   4096     compaction.max.segment (inputs per plan)",
          "  single_delete_ratio_permille     1/1000  200      compaction.single.ratio.threshold",
          "  single_deltalog_bytes            bytes   16 MiB   compaction.single.deltalog.maxsize",
          "  single_deltalog_files            count   200      compaction.single.deltalog.maxnum",
          "  l0_trigger_files                 count   10       compaction.levelzero.forceTrigger.deltalogMinNum",
          "  l0_trigger_bytes                 bytes   8 MiB    compaction.levelzero.forceTrigger.minSize",
          "  l0_max_files                     count   30       compaction.levelzero.forceTrigger.deltalogMaxNum",
          "  l0_max_bytes                     bytes   64 MiB   compaction.levelzero.forceTrigger.maxSize",
          "  compaction_timeout_ms            ms      15m      compaction task timeout once executing",
          "  index_timeout_ms                 ms      10m      index build timeout once executing",
          "  max_attempts                     count   3        attempts before a task fails for good",
          "  clean_after_ms                   ms      1h       terminal tasks are kept this long",
          "  drop_tolerance_ms                ms      3h       gc.dropTolerance",
          "  gc_interval_ms                   ms      1h       gc.interval",
          "  max_tasks_per_round              count   1024     tasks planned or handed out per duty round",
          "Values: bytes as a number or with KiB, MiB, GiB, TiB (16MiB); ms as a number or with s, m, h, d (90s); "
              + "1/1000 as a number or a percentage (20%%); bool as true or false. 0 is a value here (e.g. "
              + "drop_tolerance_ms=0); the server checks each setting's bounds."})
  static final class Settings extends CatalogCommand {
    @Option(names = "--set", paramLabel = "NAME=VALUE", arity = "1..*", converter = DataTasksArgs.SettingConverter.class,
        description = "Change settings (repeatable, or several after one --set), e.g. --set drop_tolerance_ms=0 "
            + "gc_interval_ms=1s.")
    List<DataTasksArgs.SettingChange> set = new ArrayList<>();

    @Override
    public Integer call() {
      DataTasksSettings s;
      try (CoordClient client = root().connect()) {
        s = set.isEmpty() ? client.dataTasks().settings()
            : client.dataTasks().setSettings(DataTasksArgs.settingsChange(set));
      }
      print(() -> DataTasksOutput.settingsText(s), () -> DataTasksOutput.settingsJson(s));
      return 0;
    }
  }
}
