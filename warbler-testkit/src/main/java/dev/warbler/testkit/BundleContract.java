package dev.warbler.testkit;

import dev.warbler.core.spi.Stores;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every store contract shares: a {@link Stores} bundle opened over a fresh directory before
 * each test, reopened over the same data as a restart would, and closed after the test.
 *
 * <p>A store kind runs a contract by extending it and saying how to open its bundle over a
 * directory ({@link #openStores}); that is all a new kind writes per contract, e.g. {@code class
 * SqliteGroupStoreTest extends GroupStoreContract<SqliteStores>}. Contracts use the bundle's public
 * ports only, never the implementation.
 *
 * @param <S> the bundle type, so that a kind's own test can reach what only it has
 */
public abstract class BundleContract<S extends Stores> {
  @TempDir protected Path dir;

  private S stores;
  private boolean open;

  /**
   * Opens the bundle kept under {@code dir}, creating it when the directory is empty. Called again
   * with the same directory after the bundle was closed, it must open the same data.
   */
  protected abstract S openStores(Path dir);

  @BeforeEach
  protected final void openTheStores() {
    stores = openStores(dir);
    open = true;
  }

  @AfterEach
  protected final void closeTheStores() {
    closeStores();
  }

  /** The bundle under test. */
  protected final S stores() {
    return stores;
  }

  /** Closes the bundle (once; calling it again does nothing until {@link #reopen()}). */
  protected final void closeStores() {
    if (open) {
      open = false;
      stores.close();
    }
  }

  /** Closes the bundle and opens it again over the same directory, as a restart would. */
  protected final S reopen() {
    closeStores();
    stores = openStores(dir);
    open = true;
    return stores;
  }
}
