package dev.warbler.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time that the system under test used: the machine's busy time ({@code /proc/stat}) minus this
 * load generator's own, between two readings. With spawned nodes on a quiet machine that is the
 * nodes, PostgreSQL and NATS together, which is what "throughput per core" divides by. Other work
 * on the machine counts too, so read it from a quiet machine only. Without {@code /proc/stat} (not
 * Linux) a reading is {@link #UNAVAILABLE}.
 */
final class CpuMeter {
  /** Clock ticks per second of {@code /proc/stat} ({@code USER_HZ}, 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100;

  /** A reading: the machine's busy seconds and this process's CPU seconds, or both negative. */
  record Reading(double machineBusyS, double selfS) {}

  static final Reading UNAVAILABLE = new Reading(-1, -1);

  private CpuMeter() {}

  static Reading read() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
      return new Reading(busySeconds(first), selfSeconds());
    } catch (IOException | RuntimeException e) {
      return UNAVAILABLE;
    }
  }

  /**
   * Busy seconds of the {@code cpu} line of {@code /proc/stat}: every column but idle and iowait
   * (guest time is already inside user).
   */
  static double busySeconds(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (!f[0].equals("cpu") || f.length < 8) {
      throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
    }
    long busy = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy / TICKS_PER_SECOND;
  }

  private static double selfSeconds() {
    return ProcessHandle.current()
            .info()
            .totalCpuDuration()
            .orElseThrow(() -> new IllegalStateException("no CPU time for this process"))
            .toNanos()
        / 1e9;
  }

  /**
   * Adds {@code system_cpu_s} (what the system under test used between the readings) and {@code
   * cpu_us_per_msg} (that per delivered message) to {@code r}; nothing when either reading is
   * unavailable.
   */
  static void report(Result r, Reading from, Reading to, long delivered) {
    if (from == UNAVAILABLE || to == UNAVAILABLE) {
      return;
    }
    double used =
        Math.max(0, (to.machineBusyS() - from.machineBusyS()) - (to.selfS() - from.selfS()));
    r.put("system_cpu_s", Result.round(used));
    if (delivered > 0) {
      r.put("cpu_us_per_msg", Result.round(used * 1e6 / delivered));
    }
  }
}
