package io.raftcoord.server.chaos;

import io.raftcoord.server.fault.ReplicaProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The replicas' classpath: this JVM's, except that every mutable entry (directories and
 * -SNAPSHOT jars: this project's build outputs and their copies in the local Maven repository)
 * is replaced by a private copy, so that a concurrent build rewriting them cannot break running
 * replicas (the fault suite's {@code ReplicaProcesses} learned this the hard way). Also the
 * replicas' logback configuration. One copy per chaos work dir; the copying itself is
 * {@link ReplicaProcesses#copyClasspath}.
 */
record PrivateClasspath(String classpath, Path logback, Path dir) {
  private static final java.util.Map<Path, PrivateClasspath> INSTANCES = new java.util.HashMap<>();

  /** The copy under {@code base} (made on first use; removed with {@code base} or at JVM exit). */
  static synchronized PrivateClasspath get(Path base) throws IOException {
    PrivateClasspath known = INSTANCES.get(base);
    if (known != null && Files.isDirectory(known.dir())) {
      return known;
    }
    Files.createDirectories(base);
    Path dir = Files.createTempDirectory(base, "replica-classpath-");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-chaos-classpath"));
    ReplicaProcesses.ReplicaClasspath cp = ReplicaProcesses.copyClasspath(dir);
    PrivateClasspath made = new PrivateClasspath(cp.classpath(), cp.logback(), dir);
    INSTANCES.put(base, made);
    return made;
  }

  static void copyTree(Path from, Path to) throws IOException {
    ReplicaProcesses.copyTree(from, to);
  }

  static void deleteTree(Path root) {
    ReplicaProcesses.deleteTree(root);
  }
}
