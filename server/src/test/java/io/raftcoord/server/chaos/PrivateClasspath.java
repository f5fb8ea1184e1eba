package io.raftcoord.server.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas' classpath: this JVM's, except that every mutable entry (directories and
 * -SNAPSHOT jars: this project's build outputs and their copies in the local Maven repository)
 * is replaced by a private copy, so that a concurrent build rewriting them cannot break running
 * replicas (the fault suite's {@code ReplicaProcesses} learned this the hard way). Also the
 * replicas' logback configuration: everything to stdout, which the cluster redirects to a log file.
 */
record PrivateClasspath(String classpath, Path logback, Path dir) {
  private static final Logger LOG = LoggerFactory.getLogger(PrivateClasspath.class);
  private static final java.util.Map<Path, PrivateClasspath> INSTANCES = new java.util.HashMap<>();

  /** The copy under {@code base} (made on first use; removed with {@code base} or at JVM exit). */
  static synchronized PrivateClasspath get(Path base) throws IOException {
    PrivateClasspath known = INSTANCES.get(base);
    if (known != null && Files.isDirectory(known.dir())) {
      return known;
    }
    Files.createDirectories(base);
    Path dir = Files.createTempDirectory(base, "replica-classpath-");
    List<String> entries = new ArrayList<>();
    int copied = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      boolean mutable = Files.isDirectory(p) || p.getFileName().toString().contains("-SNAPSHOT");
      if (!mutable || !Files.exists(p)) {
        entries.add(entry);
        continue;
      }
      Path copy = dir.resolve(String.format("%02d-%s", copied++, p.getFileName()));
      if (Files.isDirectory(p)) {
        copyTree(p, copy);
      } else {
        Files.copy(p, copy);
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(copy.toFile())) {
          z.size(); // a torn copy fails here rather than in a replica
        }
      }
      entries.add(copy.toString());
    }
    Path logback = dir.resolve("replica-logback.xml");
    Files.writeString(logback, LOGBACK, StandardCharsets.UTF_8);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-chaos-classpath"));
    PrivateClasspath made = new PrivateClasspath(String.join(File.pathSeparator, entries), logback, dir);
    INSTANCES.put(base, made);
    LOG.info("replica classpath: {} entries, {} mutable ones copied to {}", entries.size(), copied, dir);
    return made;
  }

  private static final String LOGBACK = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.ratis" level="INFO"/>
        <logger name="org.apache.ratis.server.impl.StateMachineUpdater" level="WARN"/>
        <logger name="org.apache.ratis.thirdparty" level="WARN"/>
        <logger name="io.raftcoord" level="INFO"/>
        <root level="WARN"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path src : (Iterable<Path>) paths::iterator) {
        Path dst = to.resolve(from.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else if (Files.isRegularFile(src)) {
          Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
