package dev.warbler.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's data directory, owned by one process at a time.
 *
 * <ul>
 *   <li><b>One owner.</b> {@link #open} takes an exclusive lock on {@code warbler.lock} and writes
 *       the owner's pid, host and start time into it; a second process on the same directory is
 *       refused with a message naming the first (two processes would each think their writes and
 *       sync positions are the only ones). The operating system drops the lock when the process
 *       ends, even by SIGKILL, so a crash never leaves a stale lock.
 *   <li><b>Private.</b> A directory Warbler creates is {@code 0700}; the store's files and the
 *       generated keys are created {@code 0600} (SQLite gives its {@code -wal} and {@code -shm}
 *       files the database file's permissions). An existing directory that other users may enter
 *       refuses the start (the database holds every app secret); files in it that are more open
 *       than {@code 0600} are tightened.
 * </ul>
 */
final class DataDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);

  static final String LOCK_FILE = "warbler.lock";
  static final String DATABASE_FILE = "warbler.db";

  /** The files Warbler keeps here, made 0600 at every start. */
  private static final List<String> PRIVATE_FILES =
      List.of(
          DATABASE_FILE,
          DATABASE_FILE + "-wal",
          DATABASE_FILE + "-shm",
          WarblerServer.ADMIN_KEY_FILE,
          WarblerServer.AUDIT_KEY_FILE,
          LOCK_FILE);

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDirectory(Path path, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates (0700) or checks {@code dir}, locks it and prepares the database file (0600). Throws
   * {@link IllegalStateException} when another process owns it, {@link IllegalArgumentException}
   * when its permissions let other users in.
   */
  static DataDirectory open(Path dir) {
    Path path = dir.toAbsolutePath().normalize();
    try {
      if (!Files.isDirectory(path)) {
        Files.createDirectories(path, FilePermissions.ownerOnlyDirectory(path));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "data.dir " + dir + " cannot be created (" + e.getMessage() + ")", e);
    }
    FilePermissions.requireNotOpenToOthers(path, "data.dir", "700");
    FileChannel channel = lockChannel(path.resolve(LOCK_FILE), dir);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      close(channel);
      throw new IllegalStateException(
          "data.dir " + dir + " is already in use by a Warbler node in this process");
    } catch (IOException e) {
      close(channel);
      throw new IllegalStateException(
          "data.dir " + dir + ": cannot lock " + LOCK_FILE + " (" + e.getMessage() + ")", e);
    }
    if (lock == null) {
      String owner = owner(path.resolve(LOCK_FILE));
      close(channel);
      throw new IllegalStateException(
          "data.dir "
              + dir
              + " is in use by another Warbler process ("
              + owner
              + "); stop it first, or give this one another --data directory");
    }
    DataDirectory d = new DataDirectory(path, channel, lock);
    try {
      d.writeOwner();
      d.prepareFiles();
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
    return d;
  }

  Path path() {
    return path;
  }

  /** The embedded database file. */
  Path database() {
    return path.resolve(DATABASE_FILE);
  }

  private static FileChannel lockChannel(Path file, Path dir) {
    try {
      if (!Files.exists(file)) {
        try {
          Files.createFile(file, FilePermissions.ownerOnlyFile(file));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // another process created it first; it is locked below
        }
      }
      return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException(
          "data.dir " + dir + ": cannot open " + LOCK_FILE + " (" + e.getMessage() + ")", e);
    }
  }

  /** What the owner wrote into the lock file, or a note that it wrote nothing readable. */
  private static String owner(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "it has not written its pid yet" : text.replace('\n', ' ');
    } catch (IOException e) {
      return "its " + LOCK_FILE + " cannot be read: " + e.getMessage();
    }
  }

  private void writeOwner() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown host";
    }
    String text =
        "pid "
            + ProcessHandle.current().pid()
            + " on "
            + host
            + ", started "
            + Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime())
            + "\n";
    try {
      lockChannel.truncate(0);
      lockChannel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
      lockChannel.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path.resolve(LOCK_FILE), e);
    }
  }

  private void prepareFiles() {
    Path db = database();
    try {
      if (!Files.exists(db)) {
        // Created here, not by SQLite: its -wal and -shm files copy the database's permissions.
        Files.createFile(db, FilePermissions.ownerOnlyFile(db));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "data.dir " + path + ": cannot create " + DATABASE_FILE + " (" + e.getMessage() + ")", e);
    }
    for (String name : PRIVATE_FILES) {
      if (FilePermissions.tighten(path.resolve(name))) {
        log.info("made {} readable by its owner only (0600)", path.resolve(name));
      }
    }
  }

  /** Permissions of the data directory; for tests. */
  Set<java.nio.file.attribute.PosixFilePermission> permissions() {
    return FilePermissions.of(path).orElse(Set.of());
  }

  /** Releases the lock (the lock file stays; it is reused by the next owner). */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      log.debug("releasing the data directory lock failed", e);
    }
    close(lockChannel);
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing {} failed", LOCK_FILE, e);
    }
  }
}
