package dev.warbler.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read Warbler's secrets on disk: the data directory is {@code 0700} and the files in it
 * {@code 0600}; a secret the operator provides (TLS key, master key) must not be readable by other
 * users. On a file system without POSIX permissions every check passes.
 */
final class FilePermissions {
  private static final Logger log = LoggerFactory.getLogger(FilePermissions.class);

  static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private static final Set<PosixFilePermission> GROUP =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE);

  private FilePermissions() {}

  /** The file's permissions; empty on a file system without POSIX permissions. */
  static Optional<Set<PosixFilePermission>> of(Path path) {
    try {
      return Optional.of(Files.getPosixFilePermissions(path));
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the permissions of " + path, e);
    }
  }

  /** Attributes that create a directory {@code 0700} where POSIX permissions exist. */
  static FileAttribute<?>[] ownerOnlyDirectory(Path where) {
    return posix(where)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR)}
        : new FileAttribute<?>[0];
  }

  /** Attributes that create a file {@code 0600} where POSIX permissions exist. */
  static FileAttribute<?>[] ownerOnlyFile(Path where) {
    return posix(where)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
        : new FileAttribute<?>[0];
  }

  private static boolean posix(Path where) {
    Path p = where.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p != null && p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Refuses a secret (or the directory holding them) that other users may access, naming {@code
   * what} and the chmod that fixes it; one the group may access is allowed with a warning (a
   * Kubernetes secret mounted with {@code fsGroup} is group-readable).
   */
  static void requireNotOpenToOthers(Path path, String what, String mode) {
    Optional<Set<PosixFilePermission>> perms = of(path);
    if (perms.isEmpty()) {
      return;
    }
    Set<PosixFilePermission> p = perms.get();
    if (p.stream().anyMatch(OTHERS::contains)) {
      throw new IllegalArgumentException(
          what
              + " "
              + path
              + " is accessible by other users ("
              + PosixFilePermissions.toString(p)
              + "); run: chmod "
              + mode
              + " "
              + path);
    }
    if (p.stream().anyMatch(GROUP::contains)) {
      log.warn(
          "{} {} is accessible by its group ({}); chmod {} it unless the group is trusted",
          what,
          path,
          PosixFilePermissions.toString(p),
          mode);
    }
  }

  /** Makes {@code file} {@code 0600} if it exists and is more open; true when it changed it. */
  static boolean tighten(Path file) {
    if (!Files.exists(file)) {
      return false;
    }
    Optional<Set<PosixFilePermission>> perms = of(file);
    if (perms.isEmpty() || perms.get().equals(OWNER_ONLY_FILE)) {
      return false;
    }
    try {
      Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + file + " readable by its owner only", e);
    }
  }
}
