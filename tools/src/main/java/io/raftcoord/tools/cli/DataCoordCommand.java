package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coordctl datacoord ...}: DataCoord's replicated settings. */
@Command(name = "datacoord", mixinStandardHelpOptions = true,
    description = "DataCoord: settings (see also: channels, segments, flush).",
    subcommands = {DataCoordCommand.Settings.class})
final class DataCoordCommand extends CatalogCommand.Group {

  @Command(name = "settings", mixinStandardHelpOptions = true,
      description = {"Show DataCoord's replicated settings; with --set, change the given ones (the others keep "
          + "their values) and show them all after the change.",
          "Settings (Milvus's parameter, or what the setting bounds):",
          "  NAME                      UNIT    DEFAULT  MILVUS / MEANING",
          "  max_segment_bytes         bytes   1 GiB    segment.maxSize (min 4 KiB);",
          "                                             max rows = it / row size",
          "  seal_proportion_permille  1/1000  120      segment.sealProportion",
          "  seal_jitter_permille      1/1000  100      segment.sealProportionJitter",
          "  max_life_ms               ms      24h      segment.maxLife",
          "  max_idle_ms               ms      10m      segment.maxIdleTime",
          "  min_size_from_idle_bytes  bytes   16 MiB   segment.minSizeFromIdleToSealed",
          "  max_binlog_files          count   32       segment.maxBinlogFileNumber",
          "  channel_growing_cap_bytes bytes   4 GiB    growing bytes per channel",
          "  l0_max_entries            count   5000000  L0 deletes per channel",
          "  l0_max_bytes              bytes   64 MiB   L0 delete bytes per channel",
          "  allocation_expire_ms      ms      2s       segment.assignmentExpiration",
          "  channel_balance_quiet_ms  ms      5m       balancer quiet time after a",
          "                                             node change",
          "  max_segments              count   10000000 segment records",
          "Values: bytes as a number or with KiB, MiB, GiB, TiB (512MiB); ms as a number or with s, m, h, d (90s); "
              + "1/1000 as a number or a percentage (12%%). 0 is refused (on the wire it means keep)."})
  static final class Settings extends CatalogCommand {
    @Option(names = "--set", paramLabel = "NAME=VALUE", converter = DataCoordArgs.SettingConverter.class,
        description = "Change a setting (repeatable), e.g. --set max_segment_bytes=512MiB --set max_idle_ms=5m.")
    List<DataCoordArgs.SettingChange> set = new ArrayList<>();

    @Override
    public Integer call() {
      DataCoordSettings s;
      try (CoordClient client = root().connect()) {
        s = set.isEmpty() ? client.dataCoord().settings()
            : client.dataCoord().setSettings(DataCoordArgs.settingsChange(set));
      }
      print(() -> DataCoordOutput.settingsText(s), () -> DataCoordOutput.settingsJson(s));
      return 0;
    }
  }
}
