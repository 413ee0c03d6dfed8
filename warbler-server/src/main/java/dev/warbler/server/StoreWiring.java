package dev.warbler.server;

import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.EncryptingStores;
import dev.warbler.core.crypto.MasterKeys;
import dev.warbler.core.spi.Stores;
import dev.warbler.store.postgres.PostgresConfig;
import dev.warbler.store.postgres.PostgresStores;
import dev.warbler.store.sqlite.Durability;
import dev.warbler.store.sqlite.SqliteConfig;
import dev.warbler.store.sqlite.SqliteStores;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store bundle of {@code store.kind} (ADR 0017), opened in the data directory from {@link
 * Settings}, with encryption at rest over it (ADR 0011): the master key is checked against every
 * stored data key and app secrets are sealed with it. A wrong or missing master key fails the
 * start, and the store is closed again. Called once, on the thread that starts the node.
 */
final class StoreWiring {
  /** The node's log lines, under the name they always had. */
  private static final Logger log = LoggerFactory.getLogger(WarblerServer.class);

  /** What the core is built on: every port, encrypting and sealing where the app asks for it. */
  record Opened(EncryptingStores stores, AtRestEncryption encryption) {}

  private StoreWiring() {}

  /** Opens the store; on a failure after it opened, closes it again and rethrows. */
  static Opened open(
      Settings settings, DataDirectory data, InstantSource clock, MeterRegistry meters) {
    Stores plain = openStores(settings, data, meters);
    MasterKeys masterKeys;
    try {
      masterKeys = masterKeys(settings);
    } catch (RuntimeException e) {
      WarblerServer.closeQuietly(plain);
      throw e;
    }
    // Data keys first: their check names a wrong or missing master key most precisely.
    AtRestEncryption encryption = encryption(masterKeys, plain, clock);
    EncryptingStores stores = new EncryptingStores(plain, encryption, masterKeys);
    try {
      int sealed = stores.directory().sealAll();
      if (sealed > 0) {
        log.info("sealed {} app secrets with the current master key", sealed);
      }
    } catch (RuntimeException e) {
      WarblerServer.closeQuietly(stores);
      throw e;
    }
    return new Opened(stores, encryption);
  }

  /**
   * The store bundle of {@code store.kind}; kind-specific gauges go to {@code meters}. A new kind
   * is a case here, a module implementing {@link Stores}, and its run of the testkit's store
   * contracts.
   */
  private static Stores openStores(Settings settings, DataDirectory data, MeterRegistry meters) {
    String kind = settings.string(Setting.STORE_KIND);
    switch (kind.strip().toLowerCase(Locale.ROOT)) {
      case "sqlite" -> {
        SqliteStores sqlite =
            new SqliteStores(
                new SqliteConfig(
                    data.database(),
                    durability(settings.string(Setting.STORE_DURABILITY)),
                    settings.integer(Setting.STORE_MAX_BATCH),
                    settings.integer(Setting.STORE_WRITE_QUEUE),
                    settings.integer(Setting.STORE_READ_CONNECTIONS)));
        // Read from the writer connection at each scrape: what store.sqlite.durability became.
        Gauge.builder("warbler.store.sqlite.synchronous", sqlite, SqliteStores::synchronous)
            .description(
                "PRAGMA synchronous of the store's writer: 2 FULL (fsync per commit), 1 NORMAL,"
                    + " 0 OFF")
            .register(meters);
        return sqlite;
      }
      case "postgres" -> {
        PostgresStores postgres = new PostgresStores(postgresConfig(settings));
        try {
          String sync = postgres.synchronousCommit();
          if (!sync.equals("on")) {
            log.warn(
                "PostgreSQL synchronous_commit is '{}': acked writes may be lost when the database"
                    + " server crashes",
                sync);
          }
        } catch (RuntimeException e) {
          WarblerServer.closeQuietly(postgres);
          throw e;
        }
        Gauge.builder("warbler.store.postgres.commits", postgres, PostgresStores::commits)
            .description("transactions (batches of writes) this node's store writer committed")
            .register(meters);
        Gauge.builder("warbler.store.postgres.retries", postgres, PostgresStores::retries)
            .description("batches run again after a serialization failure or a deadlock")
            .register(meters);
        return postgres;
      }
      default ->
          throw new IllegalArgumentException(
              Setting.STORE_KIND.key() + " must be sqlite or postgres but was '" + kind + "'");
    }
  }

  /** The PostgreSQL settings; the password stays out of every message. */
  static PostgresConfig postgresConfig(Settings settings) {
    return new PostgresConfig(
        settings.string(Setting.STORE_POSTGRES_URL).strip(),
        settings.string(Setting.STORE_POSTGRES_USER).strip(),
        settings.string(Setting.STORE_POSTGRES_PASSWORD),
        settings.string(Setting.STORE_POSTGRES_SCHEMA).strip(),
        settings.integer(Setting.STORE_POSTGRES_POOL_SIZE),
        settings.integer(Setting.STORE_MAX_BATCH),
        settings.integer(Setting.STORE_WRITE_QUEUE),
        settings.integer(Setting.STORE_POSTGRES_CONNECT_TIMEOUT_MS));
  }

  private static Durability durability(String v) {
    try {
      return Durability.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "store.sqlite.durability must be FULL, NORMAL or OFF but was '" + v + "'");
    }
  }

  /**
   * Encryption at rest (ADR 0011): the master key from the configuration, checked against every
   * stored data key; keys wrapped by a previous master key are rewrapped now. A wrong or missing
   * master key for existing data keys fails the start (the store is closed again).
   */
  private static AtRestEncryption encryption(MasterKeys keys, Stores store, InstantSource clock) {
    try {
      AtRestEncryption e = new AtRestEncryption(store.dataKeys(), keys, clock);
      int rewrapped = e.rewrapAll();
      if (rewrapped > 0) {
        log.info(
            "encryption at rest: {} data keys rewrapped with the current master key", rewrapped);
      }
      return e;
    } catch (RuntimeException e) {
      WarblerServer.closeQuietly(store);
      throw e;
    }
  }

  static MasterKeys masterKeys(Settings settings) {
    String inline = settings.string(Setting.SECURITY_MASTER_KEY).trim();
    String file = settings.string(Setting.SECURITY_MASTER_KEY_FILE).trim();
    List<String> previous = settings.list(Setting.SECURITY_PREVIOUS_MASTER_KEYS);
    if (!inline.isEmpty() && !file.isEmpty()) {
      throw new IllegalArgumentException(
          "set security.master-key or security.master-key-file, not both");
    }
    String encoded = file.isEmpty() ? inline : readKeyFile(Path.of(file));
    if (encoded.isEmpty()) {
      if (!previous.isEmpty()) {
        throw new IllegalArgumentException(
            "security.previous-master-keys is set but there is no security.master-key to rewrap"
                + " with");
      }
      return MasterKeys.none();
    }
    List<byte[]> old = new ArrayList<>();
    for (String p : previous) {
      old.add(decodeKey("a key of security.previous-master-keys", p));
    }
    return MasterKeys.of(decodeKey("security.master-key", encoded), old);
  }

  private static byte[] decodeKey(String what, String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid base64", e);
    }
    if (key.length != MasterKeys.KEY_BYTES) {
      throw new IllegalArgumentException(
          what
              + " must be base64 of "
              + MasterKeys.KEY_BYTES
              + " random bytes (e.g. openssl rand -base64 32) but decodes to "
              + key.length
              + " bytes");
    }
    return key;
  }

  /** The master key file; refused when group or others may read it (POSIX file systems). */
  private static String readKeyFile(Path file) {
    try {
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        for (PosixFilePermission p :
            List.of(
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE)) {
          if (perms.contains(p)) {
            throw new IllegalArgumentException(
                "security.master-key-file "
                    + file
                    + " is accessible by group or others ("
                    + PosixFilePermissions.toString(perms)
                    + "); chmod 600 it");
          }
        }
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read security.master-key-file " + file, e);
    }
  }
}
