package dev.warbler.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.*;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchCloseRaceTest {
  @TempDir Path dir;

  @Test
  void race() throws Exception {
    int hung = 0;
    for (int round = 0; round < 300; round++) {
      SqliteStore s = new SqliteStore(new SqliteConfig(dir.resolve("r" + round + ".db"), Durability.OFF, 100, 200, 1));
      List<CompletableFuture<AppendResult>> fs = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong n = new AtomicLong();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        ts.add(Thread.ofPlatform().start(() -> {
          while (!stop.get()) {
            long i = n.incrementAndGet();
            fs.add(s.append(new NewMessage("a", ConversationId.direct("x", "y"), "m" + i, "c" + i, "x", MessageType.TEXT, "t", "", i)));
          }
        }));
      }
      Thread.sleep(5);
      s.close();
      Thread.sleep(5);
      stop.set(true);
      for (Thread t : ts) t.join();
      Thread.sleep(50);
      synchronized (fs) {
        boolean any = false;
        for (CompletableFuture<AppendResult> f : fs) if (!f.isDone()) any = true;
        if (any) hung++;
      }
    }
    assertThat(hung).isZero();
  }
}
