package dev.warbler.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark method once, in this JVM, so that a benchmark broken by a change fails the
 * build. It measures nothing: one single-shot invocation each, no warmup, smallest fan-out.
 */
class BenchmarksRunTest {

  @Test
  void everyBenchmarkMethodRunsOnceWithoutFailing() throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include("dev\\.warbler\\.jmh\\..*")
            .mode(Mode.SingleShotTime)
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .param("online", "10")
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT)
            .build();

    Collection<RunResult> results = new Runner(options).run();

    // 5 codec methods x 2 encodings, 2 x 2 store variants, 1 fan-out, 1 token, 3 encryption,
    // 2 sensitive-word languages.
    assertThat(results).hasSize(21);
  }
}
